package io.shmipc.transport.shm;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransServer;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * Accepts ShmIPC sessions on a control socket and serves every stream a client opens as one RPC connection, whose
 * frames go to the server's {@link TransHandler} (the same one the TCP transport feeds). The threads of this server's
 * own pool take turns reading each stream, and each serves the call it read (leader/follower): calls over shared
 * memory run on these threads, not on the server's executor, which saves a hand-off per call. When the handler is
 * declared non-blocking, every stream of a session is served event-driven on the thread that drains the session's
 * queue ({@link ShmServer#startEventDriven}): no thread per connection and no hand-off at all.
 */
public final class ShmTransServer implements TransServer
{
    /** Longest wait on close for clients to finish reading what was sent to them. */
    private static final System.Logger LOG = System.getLogger(ShmTransServer.class.getName());
    public static final long CLOSE_GRACE_MILLIS = 1_000;

    private final Path path;
    private final SessionConfig config;
    private final TransHandler handler;
    private final int maxFrameSize;
    private final boolean serveWhereRead;
    private final long frameReadTimeoutNanos;
    private final Set<ShmConnection> connections = ConcurrentHashMap.newKeySet();
    /** Accepted streams' first readers, and the threads that take turns reading and serving calls. */
    private final ExecutorService threads = Executors.newCachedThreadPool(new ThreadFactory()
    {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(final Runnable runnable)
        {
            final Thread thread = new Thread(runnable, "shmipc-shm-server-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });
    /** Checks event-driven connections for stalled frames; its thread starts with the first one. */
    private final StalledFrameWatch stalledFrames;
    private volatile ShmServer server;
    private volatile SocketAddress boundAddress;
    private boolean closed;

    /**
     * @param path         the control socket to listen on.
     * @param config       configuration of the sessions accepted (peer uids, limits, wake-ups).
     * @param handler      receives every connection's events and frames.
     * @param maxFrameSize largest frame accepted, length field included.
     */
    public ShmTransServer(final Path path, final SessionConfig config, final TransHandler handler,
        final int maxFrameSize)
    {
        this(path, config, handler, maxFrameSize, false, ServerOptions.DEFAULT_FRAME_READ_TIMEOUT);
    }

    /**
     * @param serveWhereRead   the handler never blocks: every call is served where it is read, on the thread draining
     *                         its session's queue ({@link ShmConnection#serveAvailable()}).
     * @param frameReadTimeout how long a frame may take once it has begun; a client stalled mid-frame longer has its
     *                         connection closed.
     */
    ShmTransServer(final Path path, final SessionConfig config, final TransHandler handler, final int maxFrameSize,
        final boolean serveWhereRead, final Duration frameReadTimeout)
    {
        this.path = path;
        this.config = config;
        this.handler = handler;
        this.maxFrameSize = maxFrameSize;
        this.serveWhereRead = serveWhereRead;
        this.frameReadTimeoutNanos = frameReadTimeout.toNanos();
        this.stalledFrames = new StalledFrameWatch("shmipc-shm-server-frame-watch", frameReadTimeoutNanos);
    }

    @Override
    public TransportKind kind()
    {
        return TransportKind.SHM;
    }

    @Override
    public synchronized SocketAddress start()
    {
        if (server != null || closed)
        {
            throw new IllegalStateException("shm transport server already started or closed");
        }
        try
        {
            server = serveWhereRead ? ShmServer.startEventDriven(path, config, this::onReadable) :
                ShmServer.start(path, config, this::serve, threads);
        }
        catch (final ShmIpcException ex)
        {
            throw new RpcException("listening on shm control socket " + path + " failed: " + ex.getMessage(), ex);
        }
        boundAddress = UnixDomainSocketAddress.of(path);
        return boundAddress;
    }

    /** A handler that may block: the threads of this server's pool take turns reading each stream. */
    private void serve(final Stream stream)
    {
        open(stream, threads).leadServing();
    }

    /**
     * A handler that never blocks: every stream of a session is served on the thread draining that session's queue,
     * called whenever data arrived (the connection object rides on the stream).
     */
    private void onReadable(final Stream stream)
    {
        ShmConnection connection = (ShmConnection)stream.attachment();
        if (connection == null)
        {
            connection = open(stream, null);
            stream.attach(connection);
            stalledFrames.watch(connection);
        }
        connection.serveAvailable();
    }

    private ShmConnection open(final Stream stream, final Executor followers)
    {
        final ShmConnection connection = new ShmConnection(stream,
            "pid " + stream.session().peerPid() + " stream " + stream.id(), handler, maxFrameSize,
            frameReadTimeoutNanos, followers);
        connections.add(connection);
        connection.closeFuture().whenComplete((v, e) -> connections.remove(connection));
        handler.onActive(connection);
        return connection;
    }

    @Override
    public SocketAddress boundAddress()
    {
        return boundAddress;
    }

    @Override
    public int connectionCount()
    {
        return connections.size();
    }

    /**
     * @return the sessions open now (one per connected client process or pool slot), for metrics and dumps.
     */
    public List<Session> sessions()
    {
        final ShmServer server = this.server;
        return server != null ? server.sessions() : List.of();
    }

    @Override
    public void stopAccepting()
    {
        final ShmServer server = this.server;
        if (server != null)
        {
            server.stopAccepting();
        }
    }

    /**
     * Close every connection, then the sessions. Closing a stream is seen by the client after all data sent on it,
     * but closing a session makes the client drop what it has not read yet; so between the two this waits (up to
     * {@link #CLOSE_GRACE_MILLIS}) until the clients have released every slice, i.e. read every reply.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final ShmServer server = this.server;
        if (server != null)
        {
            server.stopAccepting();
        }
        for (final ShmConnection connection : connections)
        {
            connection.close();
        }
        if (server != null)
        {
            awaitPeersDone(server);
            server.close();
        }
        threads.shutdown();
        stalledFrames.close();
        awaitConnectionsEnded();
    }

    /**
     * The reading threads end their connections (report them inactive) as they see the streams closed: wait for that
     * (bounded), so that a closed server has no connection left to count.
     */
    private void awaitConnectionsEnded()
    {
        try
        {
            if (!threads.awaitTermination(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS) || !connections.isEmpty())
            {
                LOG.log(DEBUG, "{0}: {1} connection(s) not yet ended {2} ms after close", this, connections.size(),
                    CLOSE_GRACE_MILLIS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitPeersDone(final ShmServer server)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
        while (System.nanoTime() - deadline < 0 && !allDone(server.sessions()))
        {
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean allDone(final List<Session> sessions)
    {
        for (final Session session : sessions)
        {
            if (session.bufferBytesInUse() != 0)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString()
    {
        return "ShmTransServer(" + path + ")";
    }
}
