package io.shmipc.core;

import io.shmipc.core.region.StaleFiles;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.SocketClosedException;
import io.shmipc.nativeio.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listens on a Unix socket (mode 0600) for ShmIPC clients; for every stream a client opens it calls the
 * {@link StreamHandler} on the handler executor. Handshakes run off the accept thread, so a slow or hostile client
 * cannot hold up others.
 *
 * <p>Hot restart: a new server process starts with {@link #startTakingOver}, then the old one calls
 * {@link #hotRestart(long)} and, once {@link #isHotRestartDone()}, closes; its clients (a {@link SessionPool})
 * move to the new server without failing calls.
 */
public final class ShmServer implements AutoCloseable {
    /** How long a session that acked a hot restart may finish calls in flight (shmipc-go's example waits 1 s). */
    public static final long DEFAULT_DRAIN_MILLIS = 1_000;

    private static final System.Logger LOG = System.getLogger(ShmServer.class.getName());
    private static final int SOCKET_MODE = 0600;
    private static final int BACKLOG = 128;
    private static final long NO_INODE = -1;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final SessionConfig config;
    private final StreamHandler handler;
    private final StreamListener streamListener;
    private final ExecutorService handlerExecutor;
    private final boolean ownsExecutor;
    private final ExecutorService handshakes;
    private final UnixSocket listener;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Accepted connections whose handshake has not ended yet; close() hangs up on them. */
    private final Set<UnixSocket> handshaking = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean listening = new AtomicBoolean(true);
    private final Thread acceptor;
    private final ServerHotRestart hotRestart;
    /** Inode of the socket file we bound: close() removes the path only while it is still ours. */
    private final long socketInode;

    private ShmServer(final Path path, final SessionConfig config, final StreamHandler handler,
                      final StreamListener streamListener, final ExecutorService executor, final boolean takeOver)
        throws ShmIpcException {
        Handshake.ensurePlatform();
        if (takeOver) {
            requireSocketOrNothing(path);
        }
        this.path = path;
        this.config = config;
        this.handler = handler;
        this.streamListener = streamListener;
        this.ownsExecutor = executor == null;
        this.handlerExecutor = executor != null ? executor : Executors.newCachedThreadPool(daemon("shmipc-handler"));
        this.handshakes = Executors.newCachedThreadPool(daemon("shmipc-handshake"));
        if (config.memoryType() == MemoryType.FILE) {
            StaleFiles.sweep(config.filePrefix(), false);
        }
        this.hotRestart = new ServerHotRestart("server on " + path);
        try {
            if (takeOver) {
                // The old server keeps its listening socket and sessions; new clients reach us from now on.
                Posix.unlink(path.toString());
            }
            this.listener = UnixSocket.listen(path, BACKLOG, SOCKET_MODE);
        } catch (final NativeException e) {
            handshakes.shutdownNow();
            if (ownsExecutor) {
                handlerExecutor.shutdownNow();
            }
            throw new ShmIpcException("cannot " + (takeOver ? "take over " : "listen on ") + path + ": "
                + e.getMessage(), e);
        }
        this.socketInode = inodeOf(path);
        this.acceptor = new Thread(this::acceptLoop, "shmipc-accept-" + path.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server with its own handler thread pool: each stream's handler runs on a thread of its own. */
    public static ShmServer start(final Path path, final SessionConfig config, final StreamHandler handler)
        throws ShmIpcException {
        return new ShmServer(path, config, handler, null, null, false);
    }

    /** Starts a server whose handlers run on {@code executor} (not shut down by {@link #close()}). */
    public static ShmServer start(final Path path, final SessionConfig config, final StreamHandler handler,
                                  final ExecutorService executor) throws ShmIpcException {
        return new ShmServer(path, config, handler, null, executor, false);
    }

    /**
     * Starts a server that serves every stream of a session on the thread draining that session's queue: no thread
     * per stream, no hand-off per message; {@code listener} must not block (see {@link StreamListener}).
     */
    public static ShmServer startEventDriven(final Path path, final SessionConfig config,
                                            final StreamListener listener) throws ShmIpcException {
        return new ShmServer(path, config, null, listener, null, false);
    }

    /**
     * Starts the new server of a hot restart on the path an old server still listens on, as shmipc-go's
     * {@code NewListener} does: the socket file is unlinked and bound afresh, so new clients reach this server while
     * the old one keeps its sessions until its {@link #hotRestart(long)} has moved them here. Unlike
     * {@link #start(Path, SessionConfig, StreamHandler)}, which refuses a path somebody listens on.
     */
    public static ShmServer startTakingOver(final Path path, final SessionConfig config, final StreamHandler handler)
        throws ShmIpcException {
        return new ShmServer(path, config, handler, null, null, true);
    }

    /** {@link #startTakingOver(Path, SessionConfig, StreamHandler)} with handlers on {@code executor}. */
    public static ShmServer startTakingOver(final Path path, final SessionConfig config, final StreamHandler handler,
                                            final ExecutorService executor) throws ShmIpcException {
        return new ShmServer(path, config, handler, null, executor, true);
    }

    public Path path() {
        return path;
    }

    /** Sessions currently open. */
    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    /**
     * Hot restart, old server's side (shmipc-go {@code Listener.HotRestart}): call it once the new server listens on
     * the same path ({@link #startTakingOver}). Sends HotRestart(epoch) on every session; each client then opens a
     * new session to the path (the new server), sends its new calls there, and answers HotRestartAck(epoch). The acks
     * are checked every {@value ServerHotRestart#CHECK_INTERVAL_MILLIS} ms for at most
     * {@value ServerHotRestart#ACK_TIMEOUT_MILLIS} ms; a session that acked is closed once it has no open stream,
     * or {@value #DEFAULT_DRAIN_MILLIS} ms after its ack. Returns at once; see {@link #isHotRestartDone()}.
     *
     * @param epoch identifies this restart (unsigned, not 0): it goes into the clients' new region names
     * @throws ShmIpcException if a hot restart is still in progress or the server is closed
     */
    public void hotRestart(final long epoch) throws ShmIpcException {
        hotRestart(epoch, Duration.ofMillis(DEFAULT_DRAIN_MILLIS));
    }

    /**
     * {@link #hotRestart(long)} with the time a session that acked may still serve calls in flight before it is
     * closed.
     */
    public void hotRestart(final long epoch, final Duration drain) throws ShmIpcException {
        if (epoch == 0) {
            throw new IllegalArgumentException("hot restart epoch 0 is reserved for sessions never restarted");
        }
        if (drain.isNegative()) {
            throw new IllegalArgumentException("negative drain time " + drain);
        }
        if (closed.get()) {
            throw new ShmIpcException("server on " + path + " is closed; nothing to hot-restart");
        }
        hotRestart.begin(epoch, drain, sessions);
    }

    /**
     * True unless a hot restart is waiting for acks (shmipc-go {@code IsHotRestartDone}); also true after one timed
     * out, see {@link #awaitHotRestart(Duration)}.
     */
    public boolean isHotRestartDone() {
        return hotRestart.isDone();
    }

    /**
     * Waits for the hot restart in progress to finish.
     *
     * @return true if every session acked it in time, false if it timed out (or {@code timeout} passed first)
     */
    public boolean awaitHotRestart(final Duration timeout) throws InterruptedException {
        return hotRestart.await(timeout);
    }

    private void acceptLoop() {
        while (listening.get()) {
            final UnixSocket socket;
            try {
                socket = listener.accept();
            } catch (final SocketClosedException e) {
                return;
            } catch (final NativeException e) {
                if (!listening.get()) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "accept on " + path + " failed: " + e.getMessage());
                continue;
            }
            handshaking.add(socket);
            if (closed.get()) {
                // close() may have swept the handshakes before this one was registered.
                handshaking.remove(socket);
                socket.close();
                return;
            }
            try {
                handshakes.execute(() -> establish(socket));
            } catch (final RejectedExecutionException e) {
                // close() shut the handshake pool down while this connection was being accepted: nobody will serve it.
                handshaking.remove(socket);
                socket.close();
                return;
            }
        }
    }

    private void establish(final UnixSocket socket) {
        try {
            final Session session;
            try {
                session = Handshake.accept(socket, config, handler, streamListener, handlerExecutor);
            } finally {
                handshaking.remove(socket);
            }
            session.hotRestartListener(hotRestart);
            sessions.add(session);
            session.onClose(() -> sessions.remove(session));
            hotRestart.adopt(session);
            if (closed.get()) {
                session.close();
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "accepted " + session.name() + " on " + path);
        } catch (final ShmIpcException e) {
            // A handshake cut short by close() is no news; any other failure is worth a warning.
            LOG.log(closed.get() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                () -> "refused a ShmIPC client on " + path + ": " + e.getMessage());
        }
    }

    /**
     * Stops accepting new clients and removes the socket file; sessions already open keep working (a graceful drain
     * lets their calls finish before {@link #close()}). Idempotent.
     */
    public void stopAccepting() {
        if (!listening.compareAndSet(true, false)) {
            return;
        }
        listener.close();
        // A new server (a hot restart, or a restart after this one stopped accepting) may own the path by now.
        if (socketInode != NO_INODE && inodeOf(path) == socketInode) {
            try {
                Posix.unlink(path.toString());
            } catch (final NativeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "could not remove " + path + ": " + e.getMessage());
            }
        }
        try {
            acceptor.join(2000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops accepting, hangs up on clients still in their handshake, closes every session and removes the socket
     * file. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopAccepting();
        // A client stalled in its handshake would otherwise hold its socket until the handshake timeout.
        for (final UnixSocket socket : handshaking) {
            socket.close();
        }
        for (final Session session : sessions) {
            session.close();
        }
        handshakes.shutdownNow();
        if (ownsExecutor) {
            handlerExecutor.shutdownNow();
        }
    }

    /** Taking over unlinks the path: only ever a socket file. */
    private static void requireSocketOrNothing(final Path path) throws ShmIpcException {
        final int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (final NoSuchFileException e) {
            return;
        } catch (final IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new ShmIpcException("cannot take over " + path + ": its type cannot be read (" + e + ")", e);
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new ShmIpcException("cannot take over " + path + ": it exists and is not a socket");
        }
    }

    /** The inode of {@code path} itself (not followed), or {@link #NO_INODE} if it cannot be read. */
    private static long inodeOf(final Path path) {
        try {
            return ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (final IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return NO_INODE;
        }
    }

    private static ThreadFactory daemon(final String prefix) {
        final AtomicInteger count = new AtomicInteger();
        return runnable -> {
            final Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
