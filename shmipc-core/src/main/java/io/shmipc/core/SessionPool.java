package io.shmipc.core;

import io.shmipc.core.control.EventType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's sessions to one server: {@code size} sessions opened on demand, streams spread over them round-robin,
 * and idle streams kept for reuse. A session that died is replaced on the next use.
 *
 * <p>Hot restart (shmipc-go {@code SessionManager}): when the server sends HotRestart(epoch) on a session, the pool
 * connects a new session to the same path (the new server by then), with region names carrying the epoch, and puts
 * it in that session's place, so new streams go to the new server. The old session retires: streams in flight on it
 * finish there, are closed instead of reused, and it is closed once none is left. The pool answers HotRestartAck(epoch)
 * on the old session as soon as its replacement is connected. If the new session cannot be connected, the pool keeps
 * the old one and sends no ack (the server's hot restart then times out).
 */
public final class SessionPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionPool.class.getName());
    /** A retiring session is closed once idle, checked this often (shmipc-go's hot-restart check interval). */
    private static final long RETIRE_CHECK_MILLIS = 100;
    /** A stream taken from a session just before it retired may still be opened on it for this long. */
    private static final long RETIRE_GRACE_MILLIS = 100;
    /** A retiring session still busy after this long is closed anyway: some stream on it is never released. */
    private static final long RETIRE_LIMIT_MILLIS = 30_000;

    private final Path socketPath;
    private final SessionConfig config;
    private final Session[] sessions;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedDeque<Stream> idle = new ConcurrentLinkedDeque<>();
    /** Sessions the server hot-restarted away from: no new streams, closed when idle. */
    private final Set<Session> retiring = ConcurrentHashMap.newKeySet();
    /** Sessions a HotRestart arrived on, until retired: a repeated HotRestart starts no second migration. */
    private final Set<Session> migrating = ConcurrentHashMap.newKeySet();
    private final HotRestartListener hotRestartListener = this::onHotRestart;
    /** Epoch of the last hot restart (0: none); every session connected from then on carries it in its names. */
    private volatile long epoch;
    private volatile boolean closed;

    public SessionPool(final Path socketPath, final SessionConfig config, final int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("a pool needs at least one session");
        }
        this.socketPath = socketPath;
        this.config = config;
        this.sessions = new Session[size];
    }

    /** A stream for one exchange: an idle one if there is a healthy one, otherwise a new one. */
    public Stream acquire() throws ShmIpcException {
        Stream stream;
        while ((stream = idle.pollFirst()) != null) {
            if (stream.isOpen() && stream.reader().available() == 0 && !retiring.contains(stream.session())) {
                return stream;
            }
            stream.close();
        }
        final int slot = nextSlot();
        synchronized (sessions) {
            // Opened under the lock, so a session cannot retire and close between being picked and the open.
            return sessionAt(slot).openStream();
        }
    }

    /** Returns a stream for reuse; one with unread data, in a bad state or on a retiring session is closed instead. */
    public void release(final Stream stream) {
        if (!closed && stream.isOpen() && stream.reader().available() == 0 && stream.writer().pending() == 0
            && !retiring.contains(stream.session())) {
            idle.addFirst(stream);
        } else {
            stream.close();
        }
    }

    /** The next session round-robin, connecting or reconnecting it if needed. */
    public Session session() throws ShmIpcException {
        final int slot = nextSlot();
        synchronized (sessions) {
            return sessionAt(slot);
        }
    }

    /** Epoch of the last hot restart this pool followed, 0 if none. */
    public long epoch() {
        return epoch;
    }

    /** Sessions currently held (open or not yet replaced); retiring ones are not among them. */
    public List<Session> sessions() {
        synchronized (sessions) {
            final List<Session> list = new ArrayList<>();
            for (final Session session : sessions) {
                if (session != null) {
                    list.add(session);
                }
            }
            return list;
        }
    }

    private int nextSlot() throws ShmIpcException {
        if (closed) {
            throw new ShmIpcException("session pool for " + socketPath + " is closed");
        }
        return Math.floorMod(next.getAndIncrement(), sessions.length);
    }

    /** Under the lock: the session of {@code slot}, connected now if there is none or it died. */
    private Session sessionAt(final int slot) throws ShmIpcException {
        Session session = sessions[slot];
        if (session == null || session.isClosed()) {
            session = Handshake.connect(socketPath, config, epoch, hotRestartListener);
            sessions[slot] = session;
        }
        return session;
    }

    /** On the old session's control thread: the migration connects, so it runs on a thread of its own. */
    private void onHotRestart(final Session old, final long newEpoch) {
        if (closed || !migrating.add(old)) {
            return;
        }
        final Thread migration = new Thread(() -> migrate(old, newEpoch),
            "shmipc-hot-restart-" + Long.toUnsignedString(newEpoch));
        migration.setDaemon(true);
        migration.start();
    }

    private void migrate(final Session old, final long newEpoch) {
        try {
            migrateAndRetire(old, newEpoch);
        } finally {
            migrating.remove(old);
        }
    }

    private void migrateAndRetire(final Session old, final long newEpoch) {
        final int slot = slotOf(old);
        if (slot < 0) {
            LOG.log(System.Logger.Level.DEBUG, () -> "HotRestart on " + old.name() + ", which the pool no longer uses");
            return;
        }
        epoch = newEpoch;
        final Session fresh;
        try {
            fresh = Handshake.connect(socketPath, config, newEpoch, hotRestartListener);
        } catch (final ShmIpcException e) {
            LOG.log(System.Logger.Level.WARNING, "hot restart to epoch " + Long.toUnsignedString(newEpoch)
                + ": cannot connect a new session to " + socketPath + " (" + e.getMessage() + "); staying on "
                + old.name() + " without acking");
            return;
        }
        synchronized (sessions) {
            if (closed || sessions[slot] != old) {
                // The pool closed, or the slot was refilled meanwhile (the old session died): keep what is there.
                fresh.close();
                return;
            }
            retiring.add(old);
            sessions[slot] = fresh;
        }
        idle.removeIf(stream -> {
            if (stream.session() == old) {
                stream.close();
                return true;
            }
            return false;
        });
        try {
            old.sendEpochEvent(EventType.HOT_RESTART_ACK, newEpoch);
        } catch (final ShmIpcException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "HotRestartAck not sent on " + old.name() + ": "
                + e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, () -> "hot restart to epoch " + Long.toUnsignedString(newEpoch) + ": "
            + old.name() + " replaced by " + fresh.name());
        retireWhenIdle(old);
    }

    private int slotOf(final Session session) {
        synchronized (sessions) {
            for (int i = 0; i < sessions.length; i++) {
                if (sessions[i] == session) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * Closes a retiring session once no stream is open on it; usually the old server closes it first, after its
     * drain time.
     */
    private void retireWhenIdle(final Session old) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETIRE_LIMIT_MILLIS);
        try {
            Thread.sleep(RETIRE_GRACE_MILLIS);
            while (!old.isClosed() && !closed && old.activeStreams() > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(RETIRE_CHECK_MILLIS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retiring.remove(old);
        old.close();
    }

    @Override
    public void close() {
        closed = true;
        Stream stream;
        while ((stream = idle.pollFirst()) != null) {
            stream.close();
        }
        synchronized (sessions) {
            for (int i = 0; i < sessions.length; i++) {
                if (sessions[i] != null) {
                    sessions[i].close();
                    sessions[i] = null;
                }
            }
        }
        for (final Session session : retiring) {
            session.close();
        }
    }
}
