package io.shmipc.transport.shm;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionPool;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.ConnectFailedException;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.Dialer;
import io.shmipc.transport.remote.TransHandler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.System.Logger.Level.INFO;

/**
 * Opens RPC connections over shared memory: per control socket path a core {@link SessionPool} of
 * {@code concurrency} sessions (each a handshake and a peer-uid check, made on first use and remade after a session
 * dies), and per connection one new {@link Stream} on the next session round robin. Replies are read by the callers
 * waiting for them or, as they arrive, by the session's draining thread: no thread per connection.
 */
public final class ShmDialer implements Dialer
{
    private static final System.Logger LOG = System.getLogger(ShmDialer.class.getName());

    private final SessionConfig config;
    private final int concurrency;
    private final int maxFrameSize;
    private final long frameReadTimeoutNanos;
    private final ConcurrentHashMap<String, SessionPool> pools = new ConcurrentHashMap<>();
    /** Pools replaced after a server asked to reset a connection: closed once no stream is open on them. */
    private final Set<SessionPool> retiredPools = ConcurrentHashMap.newKeySet();
    private final ExecutorService dialing;
    /** Checks connections for frames left incomplete (replies read event-driven have no thread timing them). */
    private final StalledFrameWatch stalledFrames;
    private volatile boolean closed;

    /**
     * A dialer whose connections allow {@link ClientOptions#DEFAULT_FRAME_READ_TIMEOUT} for a frame to complete.
     *
     * @param config       the sessions' configuration (see {@code ShmSettings.sessionConfig()}).
     * @param concurrency  sessions per control socket.
     * @param maxFrameSize largest frame accepted from servers.
     */
    public ShmDialer(final SessionConfig config, final int concurrency, final int maxFrameSize)
    {
        this(config, concurrency, maxFrameSize, ClientOptions.DEFAULT_FRAME_READ_TIMEOUT);
    }

    /**
     * @param config           the sessions' configuration (see {@code ShmSettings.sessionConfig()}).
     * @param concurrency      sessions per control socket.
     * @param maxFrameSize     largest frame accepted from servers.
     * @param frameReadTimeout how long a frame may take once it has begun; a server stalled mid-frame longer has its
     *                         connection closed.
     */
    public ShmDialer(final SessionConfig config, final int concurrency, final int maxFrameSize,
        final Duration frameReadTimeout)
    {
        if (concurrency < 1)
        {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.config = config;
        this.concurrency = concurrency;
        this.maxFrameSize = maxFrameSize;
        this.frameReadTimeoutNanos = frameReadTimeout.toNanos();
        this.stalledFrames = new StalledFrameWatch("shmipc-shm-client-frame-watch", frameReadTimeoutNanos);
        final AtomicInteger threads = new AtomicInteger();
        this.dialing = Executors.newCachedThreadPool(r ->
        {
            final Thread t = new Thread(r, "shmipc-shm-dial-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @return the configuration every session is made with.
     */
    public SessionConfig config()
    {
        return config;
    }

    /**
     * @return sessions per control socket.
     */
    public int concurrency()
    {
        return concurrency;
    }

    /**
     * @param address a control socket path dialled before.
     * @return the sessions held to it now (open, or dead and not yet replaced).
     */
    public List<Session> sessions(final String address)
    {
        final SessionPool pool = pools.get(address);
        return pool != null ? pool.sessions() : List.of();
    }

    @Override
    public TransportKind kind()
    {
        return TransportKind.SHM;
    }

    /**
     * Dials on a dialling thread: the handshake blocks. Bounded by {@code timeout} and by the session
     * configuration's handshake timeout; a connection that completes after {@code timeout} is closed at once.
     */
    @Override
    public CompletableFuture<Connection> dial(final String address, final Duration timeout, final TransHandler handler)
    {
        final CompletableFuture<Connection> result = new CompletableFuture<>();
        if (closed)
        {
            result.completeExceptionally(new ConnectFailedException("shm dialer is closed; not dialling " + address,
                null));
            return result;
        }
        dialing.execute(() -> connect(address, handler, result));
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() ->
            result.completeExceptionally(new ConnectFailedException("shm connect to " + address + " timed out after " +
            timeout.toMillis() + " ms", null)));
        return result;
    }

    private void connect(final String address, final TransHandler handler, final CompletableFuture<Connection> result)
    {
        final SessionPool pool = pools.computeIfAbsent(address, a -> new SessionPool(Path.of(a), config, concurrency));
        final ShmConnection connection;
        try
        {
            final Stream stream = pool.session().openStream();
            connection = ShmConnection.client(stream, address, handler, maxFrameSize, frameReadTimeoutNanos);
        }
        catch (final ShmIpcException | RuntimeException ex)
        {
            result.completeExceptionally(new ConnectFailedException(ex.getMessage(), ex));
            return;
        }
        if (closed)
        {
            // close() may have run before this pool was added: it would hold sessions nobody closes.
            pool.close();
        }
        if (result.isDone() || closed)
        {
            connection.close();
            return;
        }
        handler.onActive(connection);
        connection.closeFuture().whenComplete((v, e) -> closeIdleRetiredPools());
        stalledFrames.watch(connection);
        if (!result.complete(connection))
        {
            connection.close();
        }
    }

    /**
     * A server that is draining asked to reset {@code connection}: its sessions lead to a server going away, so the
     * pool of that address is replaced and later connections open new sessions (a new handshake, with whichever
     * server listens on the socket now). The old pool is closed once every stream on it has closed, so calls still
     * in flight on it finish.
     */
    @Override
    public void retire(final Connection connection)
    {
        if (!(connection instanceof ShmConnection shm))
        {
            return;
        }
        final String address = shm.remoteAddress();
        final SessionPool current = pools.get(address);
        if (current == null || !current.sessions().contains(shm.session()))
        {
            return;
        }
        final SessionPool fresh = new SessionPool(Path.of(address), config, concurrency);
        if (pools.replace(address, current, fresh))
        {
            retiredPools.add(current);
            LOG.log(INFO, "shm server at {0} asked to reset connections: new ones use new sessions", address);
            closeIdleRetiredPools();
        }
    }

    private void closeIdleRetiredPools()
    {
        if (retiredPools.isEmpty())
        {
            return;
        }
        for (final SessionPool pool : retiredPools)
        {
            boolean idle = true;
            for (final Session session : pool.sessions())
            {
                idle &= session.isClosed() || session.activeStreams() == 0;
            }
            if (idle && retiredPools.remove(pool))
            {
                pool.close();
            }
        }
    }

    /**
     * Close every session (their connections end and report inactive) and the dialling threads. Idempotent.
     */
    @Override
    public void close()
    {
        closed = true;
        for (final SessionPool pool : pools.values())
        {
            pool.close();
        }
        pools.clear();
        for (final SessionPool pool : retiredPools)
        {
            pool.close();
        }
        retiredPools.clear();
        dialing.shutdownNow();
        stalledFrames.close();
    }

    @Override
    public String toString()
    {
        return "ShmDialer(" + config + ", " + concurrency + " session(s) per socket)";
    }
}
