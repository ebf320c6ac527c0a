package io.shmipc.core;

import io.shmipc.core.region.StaleFiles;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.SocketClosedException;
import io.shmipc.nativeio.UnixSocket;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listens on a Unix socket (mode 0600) for ShmIPC clients; for every stream a client opens it calls the
 * {@link StreamHandler} on the handler executor. Handshakes run off the accept thread, so a slow or hostile client
 * cannot hold up others.
 */
public final class ShmServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ShmServer.class.getName());
    private static final int SOCKET_MODE = 0600;
    private static final int BACKLOG = 128;

    private final Path path;
    private final SessionConfig config;
    private final StreamHandler handler;
    private final StreamListener streamListener;
    private final ExecutorService handlerExecutor;
    private final boolean ownsExecutor;
    private final ExecutorService handshakes;
    private final UnixSocket listener;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean listening = new AtomicBoolean(true);
    private final Thread acceptor;

    private ShmServer(final Path path, final SessionConfig config, final StreamHandler handler,
                      final StreamListener streamListener, final ExecutorService executor) throws ShmIpcException {
        Handshake.ensurePlatform();
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
        try {
            this.listener = UnixSocket.listen(path, BACKLOG, SOCKET_MODE);
        } catch (final NativeException e) {
            handshakes.shutdownNow();
            if (ownsExecutor) {
                handlerExecutor.shutdownNow();
            }
            throw new ShmIpcException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        this.acceptor = new Thread(this::acceptLoop, "shmipc-accept-" + path.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server with its own handler thread pool: each stream's handler runs on a thread of its own. */
    public static ShmServer start(final Path path, final SessionConfig config, final StreamHandler handler)
        throws ShmIpcException {
        return new ShmServer(path, config, handler, null, null);
    }

    /** Starts a server whose handlers run on {@code executor} (not shut down by {@link #close()}). */
    public static ShmServer start(final Path path, final SessionConfig config, final StreamHandler handler,
                                  final ExecutorService executor) throws ShmIpcException {
        return new ShmServer(path, config, handler, null, executor);
    }

    /**
     * Starts a server that serves every stream of a session on the thread draining that session's queue: no thread
     * per stream, no hand-off per message; {@code listener} must not block (see {@link StreamListener}).
     */
    public static ShmServer startEventDriven(final Path path, final SessionConfig config,
                                            final StreamListener listener) throws ShmIpcException {
        return new ShmServer(path, config, null, listener, null);
    }

    public Path path() {
        return path;
    }

    /** Sessions currently open. */
    public List<Session> sessions() {
        return List.copyOf(sessions);
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
            handshakes.execute(() -> establish(socket));
        }
    }

    private void establish(final UnixSocket socket) {
        try {
            final Session session = Handshake.accept(socket, config, handler, streamListener, handlerExecutor);
            sessions.add(session);
            session.onClose(() -> sessions.remove(session));
            if (closed.get()) {
                session.close();
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "accepted " + session.name() + " on " + path);
        } catch (final ShmIpcException e) {
            LOG.log(System.Logger.Level.WARNING, "refused a ShmIPC client on " + path + ": " + e.getMessage());
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
        // Removed once only: by the time close() runs, a restarted server may already own the path.
        try {
            Posix.unlink(path.toString());
        } catch (final NativeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not remove " + path + ": " + e.getMessage());
        }
        try {
            acceptor.join(2000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting, closes every session and removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopAccepting();
        for (final Session session : sessions) {
            session.close();
        }
        handshakes.shutdownNow();
        if (ownsExecutor) {
            handlerExecutor.shutdownNow();
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
