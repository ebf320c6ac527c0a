package io.shmipc.bench.transport;

import io.shmipc.bench.Scenario;
import io.shmipc.bench.WaitMode;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.nativeio.Platform;
import io.shmipc.transport.codec.FramedThriftCodec;
import io.shmipc.transport.config.ShmSettings;

/**
 * The RPC layer ({@code shmipc-transport}): an {@link io.shmipc.transport.RpcClient} calling an
 * {@link io.shmipc.transport.RpcServer} with TTHeader frames, over shared memory ({@code shm-rpc}) or, with shared
 * memory disabled, over loopback TCP ({@code tcp-rpc}), so the RPC-level ratio of the two and the cost of the RPC
 * layer over the core {@code shm} transport are both visible. Each stream is one outstanding call on one client.
 * The endpoint is the server's TCP address, followed for {@code shm-rpc} by {@value #ENDPOINT_SEPARATOR} and its
 * shared-memory control socket.
 */
public final class RpcTransport implements BenchTransport
{
    /** Name on the command line of RPC over shared memory. */
    public static final String SHM_NAME = "shm-rpc";
    /** Name on the command line of the same RPC stack over loopback TCP. */
    public static final String TCP_NAME = "tcp-rpc";
    /**
     * Name on the command line of RPC over shared memory with a server in its default mode, whose handler may block
     * (served on the server's own threads, leader/follower); {@code shm-rpc}'s handler is declared non-blocking.
     */
    public static final String SHM_BLOCKING_NAME = "shm-rpc-blocking";

    /**
     * The ToService key of every bench request, as a Kitex client sets it; a sidecar bridge routes by it, an RPC
     * server ignores it.
     */
    public static final String SERVICE = "shmipc-bench-echo";

    static final String ENDPOINT_SEPARATOR = "|";
    static final String METHOD = "echo";
    /** Warm-up before the first point even in a quick run: the RPC path is much more code than a raw transport's. */
    private static final long MIN_INITIAL_WARMUP_MILLIS = 2_000;
    /** Room for the TTHeader and Thrift message headers around the payload, well over what they take. */
    private static final int FRAME_OVERHEAD = 1024;

    private final String name;
    private final boolean shm;
    private final boolean nonBlockingHandler;

    private RpcTransport(final String name, final boolean shm, final boolean nonBlockingHandler)
    {
        this.name = name;
        this.shm = shm;
        this.nonBlockingHandler = nonBlockingHandler;
    }

    /**
     * @return RPC over shared memory, the server's handler declared non-blocking.
     */
    public static RpcTransport overShm()
    {
        return new RpcTransport(SHM_NAME, true, true);
    }

    /**
     * @return RPC over shared memory, the server's handler allowed to block (the server's default).
     */
    public static RpcTransport overShmBlocking()
    {
        return new RpcTransport(SHM_BLOCKING_NAME, true, false);
    }

    /**
     * @return RPC over loopback TCP, the server's handler declared non-blocking.
     */
    public static RpcTransport overTcp()
    {
        return new RpcTransport(TCP_NAME, false, true);
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public String unavailableReason()
    {
        return !shm || Platform.isSupported() ? null : Platform.unsupportedReason();
    }

    /**
     * Pingpong, throughput and chain. Not idle: an idle RPC connection costs what the core session under it costs,
     * which {@code shm} measures, and the quick run stays short.
     */
    @Override
    public boolean supports(final Scenario scenario)
    {
        return scenario != Scenario.IDLE;
    }

    @Override
    public long minInitialWarmupMillis()
    {
        return MIN_INITIAL_WARMUP_MILLIS;
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
        throws Exception
    {
        return RpcBenchServer.start(this, settings, handlers);
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint)
    {
        return new RpcBenchClient(this, settings, endpoint);
    }

    /**
     * @param tcpAddress the server's TCP {@code host:port}, where a client falls back to.
     * @param socketPath the server's shared-memory control socket.
     * @return the endpoint a {@code shm-rpc} client connects to.
     */
    public static String shmEndpoint(final String tcpAddress, final String socketPath)
    {
        return tcpAddress + ENDPOINT_SEPARATOR + socketPath;
    }

    /**
     * @return whether the server's handler is declared non-blocking ({@code ServerOptions.nonBlockingHandler}).
     */
    boolean nonBlockingHandler()
    {
        return nonBlockingHandler;
    }

    boolean usesShm()
    {
        return shm;
    }

    /**
     * @return the largest frame either side must accept: the payload and its headers.
     */
    static int maxFrameSize(final TransportSettings settings)
    {
        return Math.max(FramedThriftCodec.THRIFT_DEFAULT_MAX_FRAME_SIZE, settings.maxPayload() + FRAME_OVERHEAD);
    }

    /**
     * Sizes the sessions as the {@code shm} transport sizes its own (every frame in one slice, the region holding
     * every stream's largest frame twice over) and maps the wait mode onto the spin setting; the default wait mode
     * keeps the transport's own default spin, which is what an application gets.
     */
    static void configure(final ShmSettings.Builder builder, final TransportSettings settings)
    {
        final int largest = settings.maxPayload() + FRAME_OVERHEAD;
        builder.bufferCapacity(ShmTransport.regionBytes(settings, largest));
        final SliceClass[] classes = ShmTransport.sliceClasses(largest);
        if (classes != null)
        {
            builder.sliceClasses(classes);
        }
        if (settings.waitMode() == WaitMode.SPIN)
        {
            builder.spinIterations(Integer.MAX_VALUE);
        }
        else if (settings.waitMode() == WaitMode.PARK)
        {
            builder.spinIterations(0);
        }
    }
}
