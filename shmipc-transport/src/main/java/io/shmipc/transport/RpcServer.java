package io.shmipc.transport;

import io.shmipc.transport.remote.TransPipeline;
import io.shmipc.transport.remote.TransServer;
import io.shmipc.transport.remote.TransServerFactory;
import io.shmipc.transport.tcp.TcpAddresses;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Serves RPC calls on every configured transport at once (TCP always; shared memory when its factory is added)
 * with one {@link RpcHandler}. Started by {@link #start(ServerOptions)}; {@link #close()} shuts down gracefully:
 * stop accepting, ask clients to move their connections elsewhere while their calls finish (up to the drain
 * timeout), then close connections.
 */
public final class RpcServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    private static final long EXECUTOR_TERMINATION_MILLIS = 2_000;
    /**
     * A drain ends once no call has come for this long: clients that honour {@code crrst} have moved on by then
     * (the reset travels with the first reply after the drain began), and idle ones need not be waited for.
     */
    static final long DRAIN_QUIET_MILLIS = 200;
    private static final long DRAIN_POLL_MILLIS = 5;

    private final ServerOptions options;
    private final TransportMetrics metrics = new TransportMetrics();
    private final ServerTransHandler handler;
    private final Map<TransportKind, TransServer> servers = new EnumMap<>(TransportKind.class);
    private final ExecutorService ownedExecutor;
    private boolean closed;

    private RpcServer(final ServerOptions options)
    {
        this.options = options;
        this.ownedExecutor = options.executor() == null ? newExecutor(options.executorThreads()) : null;
        final Executor executor = ownedExecutor != null ? ownedExecutor : options.executor();
        this.handler = new ServerTransHandler(options.handler(), options.asyncHandler(), executor,
            options.nonBlockingHandler(), options.maxFrameSize(), metrics);
        final TransPipeline pipeline =
            new TransPipeline(handler, options.inboundHandlers(), options.outboundHandlers());
        handler.pipeline(pipeline);
        for (final TransServerFactory factory : options.transServerFactories().values())
        {
            servers.put(factory.kind(), factory.newTransServer(options, pipeline));
        }
    }

    /**
     * Build the server and start every transport.
     *
     * @param options the server's options.
     * @return the running server.
     * @throws RpcException when a transport cannot start (everything started is closed again).
     */
    public static RpcServer start(final ServerOptions options)
    {
        final RpcServer server = new RpcServer(options);
        try
        {
            for (final TransServer transServer : server.servers.values())
            {
                final SocketAddress bound = transServer.start();
                LOG.log(INFO, "serving {0} on {1}", transServer.kind(), bound);
            }
        }
        catch (final RuntimeException ex)
        {
            server.shutdown(Duration.ZERO);
            throw ex;
        }
        return server;
    }

    /**
     * @param kind a transport.
     * @return the address it listens on, or {@code null} when the server does not serve it.
     */
    public SocketAddress boundAddress(final TransportKind kind)
    {
        final TransServer server = servers.get(kind);
        return server != null ? server.boundAddress() : null;
    }

    /**
     * @param kind a transport.
     * @return its transport server (e.g. a {@link io.shmipc.transport.shm.ShmTransServer}, for its sessions), or
     * {@code null} when the server does not serve it.
     */
    public TransServer transServer(final TransportKind kind)
    {
        return servers.get(kind);
    }

    /**
     * @return the TCP listen address as {@code host:port}, ready for {@link ClientOptions.Builder#target}.
     */
    public String tcpAddress()
    {
        return TcpAddresses.format((InetSocketAddress)boundAddress(TransportKind.TCP));
    }

    /**
     * @return open connections over all transports.
     */
    public int connectionCount()
    {
        int count = 0;
        for (final TransServer server : servers.values())
        {
            count += server.connectionCount();
        }
        return count;
    }

    /**
     * @return the server's counters.
     */
    public TransportMetrics metrics()
    {
        return metrics;
    }

    /**
     * Shut down gracefully: stop accepting, keep serving the calls that come on open connections but ask their
     * clients to reset them (every reply carries the TTHeader string key {@code crrst}; a client then sends its next
     * calls on a new connection, elsewhere), and wait up to {@code drainTimeout} until no call is in flight and
     * either every client has closed its connection or no call has come for 200 ms; then close
     * all connections and threads. Idempotent.
     *
     * @param drainTimeout how long to wait for in-flight calls and clients to leave.
     * @return {@code true} when the drain ended with nothing cut: no call in flight, and every client gone or quiet
     * for 200 ms; {@code false} when the timeout closed connections still in use (calls their clients sent
     * meanwhile fail on the client's side with a closed connection).
     */
    public synchronized boolean shutdown(final Duration drainTimeout)
    {
        if (closed)
        {
            return true;
        }
        closed = true;
        for (final TransServer server : servers.values())
        {
            server.stopAccepting();
        }
        handler.beginDrain();
        final boolean drained = awaitDrain(drainTimeout);
        if (!drained)
        {
            LOG.log(WARNING, "drain timeout of {0} ms passed with {1} call(s) in flight and {2} connection(s) still " +
                "in use; closing them anyway (their clients see the connection close)", drainTimeout.toMillis(),
                metrics.inFlight(), connectionCount());
        }
        for (final TransServer server : servers.values())
        {
            server.close();
        }
        if (ownedExecutor != null)
        {
            ownedExecutor.shutdownNow();
            try
            {
                ownedExecutor.awaitTermination(EXECUTOR_TERMINATION_MILLIS, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        return drained;
    }

    /**
     * {@link #shutdown(Duration)} with the configured drain timeout.
     */
    @Override
    public void close()
    {
        shutdown(options.drainTimeout());
    }

    /**
     * @return whether the drain ended before the timeout: no call in flight, and clients gone or quiet.
     */
    private boolean awaitDrain(final Duration drainTimeout)
    {
        final long quietNanos = TimeUnit.MILLISECONDS.toNanos(DRAIN_QUIET_MILLIS);
        final long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (!(handler.isQuiet(0) && connectionCount() == 0) && !handler.isQuiet(quietNanos))
        {
            if (System.nanoTime() - deadline >= 0)
            {
                // Calls still come: whatever their clients send next is cut.
                return false;
            }
            try
            {
                Thread.sleep(DRAIN_POLL_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static ExecutorService newExecutor(final int threads)
    {
        final AtomicInteger counter = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r ->
        {
            final Thread t = new Thread(r, "shmipc-server-handler-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
