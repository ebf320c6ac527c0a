package io.shmipc.core;

import io.shmipc.core.control.EventType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The old server's half of a hot restart (shmipc-go {@code Listener.HotRestart}): sends HotRestart(epoch) on every
 * session, then checks every {@value #CHECK_INTERVAL_MILLIS} ms until each session has answered HotRestartAck(epoch)
 * or {@value #ACK_TIMEOUT_MILLIS} ms have passed for it. A session that acked has moved its new work to the new
 * server; it is closed once it has no open stream, or when its drain time is up. A session that does not ack in time
 * stays as it is. A session whose handshake completes after the hot restart began (its client connected just before
 * the new server took the path) is sent HotRestart too.
 */
final class ServerHotRestart implements HotRestartListener {
    static final long CHECK_INTERVAL_MILLIS = 100;
    static final long ACK_TIMEOUT_MILLIS = 2_000;

    private static final System.Logger LOG = System.getLogger(ServerHotRestart.class.getName());

    private final String serverName;
    private final Object lock = new Object();
    /** Sessions sent HotRestart and not yet acked, with the time (nanoTime) by which they must ack. */
    private final Map<Session, Long> awaitingAck = new HashMap<>();
    /** Acked sessions to close when idle, with the time (nanoTime) by which they are closed regardless. */
    private final Map<Session, Long> retiring = new HashMap<>();
    /** Epoch of the last hot restart begun, 0 if none. */
    private long epoch;
    private boolean inProgress;
    private boolean timedOut;
    private boolean lastSucceeded;
    private boolean checking;
    private Duration drain = Duration.ZERO;

    ServerHotRestart(final String serverName) {
        this.serverName = serverName;
    }

    /**
     * Sends HotRestart(epoch) on each open session not already retiring and starts checking for acks.
     *
     * @throws ShmIpcException if a hot restart is still in progress
     */
    void begin(final long epoch, final Duration drain, final Collection<Session> sessions) throws ShmIpcException {
        final int sent;
        synchronized (lock) {
            if (inProgress) {
                throw new ShmIpcException("hot restart of " + serverName + " to epoch "
                    + Long.toUnsignedString(this.epoch) + " is still in progress; try again later");
            }
            inProgress = true;
            timedOut = false;
            this.epoch = epoch;
            this.drain = drain;
            awaitingAck.clear();
            for (final Session session : sessions) {
                if (!retiring.containsKey(session)) {
                    sendHotRestart(session);
                }
            }
            sent = awaitingAck.size();
            startChecking();
        }
        LOG.log(System.Logger.Level.INFO, () -> serverName + ": hot restart to epoch " + Long.toUnsignedString(epoch)
            + " begun on " + sent + " session(s)");
    }

    /**
     * A session established now: once a hot restart has begun, it belongs to the new server too, and the hot restart
     * is in progress again until it acks or times out.
     */
    void adopt(final Session session) {
        synchronized (lock) {
            if (epoch != 0 && !awaitingAck.containsKey(session) && !retiring.containsKey(session)) {
                LOG.log(System.Logger.Level.DEBUG, () -> serverName + ": " + session.name()
                    + " arrived after the hot restart began");
                sendHotRestart(session);
                // The restart is not done while a session of the old server may still move.
                inProgress = true;
                startChecking();
            }
        }
    }

    /** Under lock. */
    private void sendHotRestart(final Session session) {
        if (session.isClosed()) {
            return;
        }
        try {
            session.sendEpochEvent(EventType.HOT_RESTART, epoch);
            awaitingAck.put(session, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MILLIS));
        } catch (final ShmIpcException e) {
            // That session just ended: nothing of it to migrate.
            LOG.log(System.Logger.Level.DEBUG, () -> "HotRestart not sent on " + session.name() + ": "
                + e.getMessage());
        }
    }

    @Override
    public void onEpochEvent(final Session session, final long ackedEpoch) throws ProtocolViolationException {
        synchronized (lock) {
            if (ackedEpoch != epoch || awaitingAck.remove(session) == null) {
                throw new ProtocolViolationException("client sent HotRestartAck(epoch "
                    + Long.toUnsignedString(ackedEpoch) + ") but " + (awaitingAck.containsKey(session)
                    ? "this server sent HotRestart(epoch " + Long.toUnsignedString(epoch) + ")"
                    : "this server sent no HotRestart on that session"));
            }
            retiring.put(session, System.nanoTime() + drain.toNanos());
        }
    }

    boolean isDone() {
        synchronized (lock) {
            return !inProgress;
        }
    }

    /** Waits until no hot restart is in progress; true if the last one had every session ack in time. */
    boolean await(final Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (inProgress) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return lastSucceeded;
        }
    }

    /** Under lock: runs the check thread unless it runs already. */
    private void startChecking() {
        if (checking) {
            return;
        }
        checking = true;
        final Thread checker = new Thread(this::checkLoop, "shmipc-hot-restart-" + Long.toUnsignedString(epoch));
        checker.setDaemon(true);
        checker.start();
    }

    /**
     * Expires acks, ends the hot restart once no ack is awaited, closes retiring sessions as they go idle. Ends when
     * nothing is awaited or retiring: each entry has a deadline, so it is bounded by the time-out plus the drain.
     */
    private void checkLoop() {
        while (true) {
            sleepInterval();
            final List<Session> toClose = new ArrayList<>();
            final boolean more;
            synchronized (lock) {
                final long now = System.nanoTime();
                awaitingAck.entrySet().removeIf(entry -> {
                    if (entry.getKey().isClosed()) {
                        return true;
                    }
                    if (now - entry.getValue() > 0) {
                        timedOut = true;
                        LOG.log(System.Logger.Level.WARNING, () -> serverName + ": " + entry.getKey().name()
                            + " did not ack hot restart to epoch " + Long.toUnsignedString(epoch) + " within "
                            + ACK_TIMEOUT_MILLIS + " ms; it stays on this server");
                        return true;
                    }
                    return false;
                });
                if (inProgress && awaitingAck.isEmpty()) {
                    finish();
                }
                retiring.entrySet().removeIf(entry -> {
                    final Session session = entry.getKey();
                    if (session.isClosed()) {
                        return true;
                    }
                    if (session.activeStreams() == 0 || now - entry.getValue() > 0) {
                        toClose.add(session);
                        return true;
                    }
                    return false;
                });
                more = !awaitingAck.isEmpty() || !retiring.isEmpty();
                checking = more;
            }
            for (final Session session : toClose) {
                LOG.log(System.Logger.Level.DEBUG, () -> serverName + ": closing " + session.name()
                    + ", moved to the new server");
                session.close();
            }
            if (!more) {
                return;
            }
        }
    }

    /** Under lock: the hot restart ends. */
    private void finish() {
        inProgress = false;
        lastSucceeded = !timedOut;
        LOG.log(timedOut ? System.Logger.Level.WARNING : System.Logger.Level.INFO, () -> serverName
            + ": hot restart to epoch " + Long.toUnsignedString(epoch) + (timedOut
            ? " finished with sessions that did not ack" : " acknowledged by every session"));
        lock.notifyAll();
    }

    private static void sleepInterval() {
        try {
            Thread.sleep(CHECK_INTERVAL_MILLIS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
