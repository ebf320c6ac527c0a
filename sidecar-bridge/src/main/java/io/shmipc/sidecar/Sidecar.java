package io.shmipc.sidecar;

import io.shmipc.transport.AsyncRpcHandler;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.tcp.TcpAddresses;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static java.lang.System.Logger.Level.INFO;

/**
 * A running bridge: the egress server local apps call over shared memory (with its TCP fallback listener), the
 * upstream TCP connection pools, the optional ingress listener with its shared-memory client to the local app, and
 * the admin HTTP endpoint. {@link #start} brings everything up or nothing; {@link #close} drains (stop accepting,
 * let in-flight calls finish up to the drain timeout) and releases everything. Idempotent.
 */
public final class Sidecar implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());
    /** How long an ingress client stays on TCP after shared memory to the app failed, before trying it again. */
    private static final Duration APP_SHM_RETRY = Duration.ofSeconds(1);

    private final SidecarConfig config;
    private final SidecarMetrics metrics = new SidecarMetrics();
    private final UpstreamClients upstreams;
    private RpcServer egress;
    private SeqIdLanes app;
    private RpcServer ingress;
    private AdminServer admin;
    private volatile boolean draining;
    private boolean closed;

    private Sidecar(final SidecarConfig config)
    {
        this.config = config;
        this.upstreams = new UpstreamClients(config.upstreamConnections(), config.connectTimeout(),
            config.callTimeout(), config.maxFrame(), config.seqIdLanes());
    }

    /**
     * @param config the resolved configuration.
     * @return the running bridge.
     * @throws RuntimeException naming what could not start (whatever had started is closed again).
     */
    public static Sidecar start(final SidecarConfig config)
    {
        final Sidecar sidecar = new Sidecar(config);
        try
        {
            sidecar.startAll();
        }
        catch (final RuntimeException ex)
        {
            sidecar.shutdown(Duration.ZERO);
            throw ex;
        }
        return sidecar;
    }

    private void startAll()
    {
        final ServerOptions.Builder egressOptions = serverOptions(
            new EgressHandler(config.routes(), upstreams, config.callTimeout(), config.workers(), metrics),
            config.tcp(), "egress");
        egressOptions.shm().enabled(true).path(config.socket());
        egress = RpcServer.start(egressOptions.build());

        if (config.ingress() != null)
        {
            final ClientOptions.Builder appOptions = ClientOptions.builder()
                .target(config.appTcp())
                .connectTimeout(config.connectTimeout())
                .callTimeout(config.callTimeout())
                .maxFrameSize(config.maxFrame())
                .shmRetryInterval(APP_SHM_RETRY);
            appOptions.shm().enabled(true).path(config.appSocket());
            app = new SeqIdLanes(() -> RpcClient.create(appOptions.build()), config.seqIdLanes());
            final ServerOptions.Builder ingressOptions = serverOptions(
                new IngressHandler(app, config.callTimeout(), config.workers(), metrics), config.ingress(), "ingress");
            ingressOptions.shm().enabled(false);
            ingress = RpcServer.start(ingressOptions.build());
        }

        if (config.admin() != null)
        {
            admin = new AdminServer(config.admin(), () -> !draining, this::prometheus);
        }
        LOG.log(INFO, "sidecar started: {0}, {1}", addresses(), config.routes());
    }

    private ServerOptions.Builder serverOptions(
        final AsyncRpcHandler handler, final String tcpAddress, final String side)
    {
        // Relaying waits for no thread: the handler starts the call to the next hop and answers when it completes.
        return ServerOptions.asyncBuilder(handler)
            .tcpAddress(tcpAddress)
            .maxFrameSize(config.maxFrame())
            .drainTimeout(config.drainTimeout())
            .inboundHandler(new ConnectionLog(side, metrics));
    }

    /**
     * @return where the bridge listens: {@code egress-shm}, {@code egress-tcp}, and {@code ingress} and
     * {@code admin} when enabled, in that order.
     */
    public Map<String, String> addresses()
    {
        final Map<String, String> addresses = new LinkedHashMap<>();
        addresses.put("egress-shm", config.socket());
        addresses.put("egress-tcp", egress.tcpAddress());
        if (ingress != null)
        {
            addresses.put("ingress", TcpAddresses.format((InetSocketAddress)ingress.boundAddress(TransportKind.TCP)));
        }
        if (admin != null)
        {
            addresses.put("admin", admin.address());
        }
        return addresses;
    }

    /**
     * @return the bridge's counters.
     */
    public SidecarMetrics metrics()
    {
        return metrics;
    }

    /**
     * @return the {@code /metrics} text.
     */
    public String prometheus()
    {
        return metrics.prometheus(egress != null ? egress.metrics() : null,
            ingress != null ? ingress.metrics() : null, upstreams::lateReplies);
    }

    /**
     * Drain and stop: refuse new connections and calls, wait up to {@code drainTimeout} for the calls in flight,
     * then close every listener, pool and thread. Idempotent.
     *
     * @param drainTimeout how long to wait for in-flight calls.
     * @return {@code true} when every in-flight call finished in time.
     */
    public synchronized boolean shutdown(final Duration drainTimeout)
    {
        if (closed)
        {
            return true;
        }
        closed = true;
        draining = true;
        LOG.log(INFO, "sidecar draining: {0} call(s) in flight, waiting up to {1} ms", metrics.inFlight(),
            drainTimeout.toMillis());
        // Both directions stop accepting and drain at the same time, each within the same deadline.
        final CompletableFuture<Boolean> ingressDrained = new CompletableFuture<>();
        if (ingress == null)
        {
            ingressDrained.complete(true);
        }
        else
        {
            final RpcServer ingressServer = ingress;
            new Thread(() ->
            {
                boolean done = false;
                try
                {
                    done = ingressServer.shutdown(drainTimeout);
                }
                finally
                {
                    ingressDrained.complete(done);
                }
            }, "shmipc-sidecar-ingress-drain").start();
        }
        boolean drained = egress == null || egress.shutdown(drainTimeout);
        drained &= ingressDrained.join();
        if (app != null)
        {
            app.close();
        }
        upstreams.close();
        if (admin != null)
        {
            admin.close();
        }
        LOG.log(INFO, "sidecar stopped{0}", drained ? "" : " (some calls were still in flight at the deadline)");
        return drained;
    }

    /**
     * {@link #shutdown(Duration)} with the configured drain timeout.
     */
    @Override
    public void close()
    {
        shutdown(config.drainTimeout());
    }
}
