package io.shmipc.transport;

import io.shmipc.core.SessionConfig;
import io.shmipc.transport.codec.FramedThriftCodec;
import io.shmipc.transport.config.ShmSetting;
import io.shmipc.transport.config.ShmSettings;
import io.shmipc.transport.remote.InboundHandler;
import io.shmipc.transport.remote.OutboundHandler;
import io.shmipc.transport.remote.TransServerFactory;
import io.shmipc.transport.shm.ShmTransServerFactory;
import io.shmipc.transport.tcp.TcpTransServerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Everything an {@link RpcServer} is built from. Immutable; made by {@link #builder(RpcHandler)} or
 * {@link #asyncBuilder(AsyncRpcHandler)}.
 */
public final class ServerOptions
{
    /** Default TCP listen address: loopback, any free port. */
    public static final String DEFAULT_TCP_ADDRESS = "127.0.0.1:0";
    /** Default time a graceful shutdown waits for in-flight calls. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** Default of {@link Builder#frameReadTimeout(Duration)}. */
    public static final Duration DEFAULT_FRAME_READ_TIMEOUT = Duration.ofSeconds(30);

    private final String tcpAddress;
    private final RpcHandler handler;
    private final AsyncRpcHandler asyncHandler;
    private final Executor executor;
    private final int executorThreads;
    private final boolean nonBlockingHandler;
    private final int maxFrameSize;
    private final Duration drainTimeout;
    private final Duration frameReadTimeout;
    private final int ioThreads;
    private final boolean nativeTransport;
    private final ShmSettings shmSettings;
    private final SessionConfig shmSessionConfig;
    private final Map<TransportKind, TransServerFactory> transServerFactories;
    private final List<InboundHandler> inboundHandlers;
    private final List<OutboundHandler> outboundHandlers;
    private final List<String> suites;

    private ServerOptions(final Builder b)
    {
        this.tcpAddress = b.tcpAddress;
        this.handler = b.handler;
        this.asyncHandler = b.asyncHandler;
        this.executor = b.executor;
        this.executorThreads = b.executorThreads;
        this.nonBlockingHandler = b.nonBlockingHandler;
        this.maxFrameSize = b.maxFrameSize;
        this.drainTimeout = b.drainTimeout;
        this.frameReadTimeout = b.frameReadTimeout;
        this.ioThreads = b.ioThreads;
        this.nativeTransport = b.nativeTransport;
        this.shmSettings = b.shm.resolve(b.systemProperties, b.environment)
            .withDefault(ShmSetting.SPIN, Integer.toString(ShmSettings.RPC_DEFAULT_SPIN));
        final SessionConfig.Builder session = shmSettings.sessionConfig();
        b.shmSession.accept(session);
        this.shmSessionConfig = session.build();
        final Map<TransportKind, TransServerFactory> factories = new EnumMap<>(TransportKind.class);
        factories.putAll(b.transServerFactories);
        factories.putIfAbsent(TransportKind.TCP, new TcpTransServerFactory());
        if (shmSettings.enabled())
        {
            factories.putIfAbsent(TransportKind.SHM, new ShmTransServerFactory());
        }
        this.transServerFactories = Collections.unmodifiableMap(factories);
        this.inboundHandlers = List.copyOf(b.inboundHandlers);
        this.outboundHandlers = List.copyOf(b.outboundHandlers);
        this.suites = List.copyOf(b.suites);
    }

    /**
     * @param handler serves every call.
     * @return a builder with defaults.
     */
    public static Builder builder(final RpcHandler handler)
    {
        return new Builder(Objects.requireNonNull(handler, "handler"), null);
    }

    /**
     * A server whose handler answers later ({@link AsyncRpcHandler}); {@link Builder#nonBlockingHandler} starts on,
     * since the handler only starts the work.
     *
     * @param handler serves every call.
     * @return a builder with defaults.
     */
    public static Builder asyncBuilder(final AsyncRpcHandler handler)
    {
        return new Builder(null, Objects.requireNonNull(handler, "handler")).nonBlockingHandler(true);
    }

    /**
     * @return the TCP listen address, {@code host:port}.
     */
    public String tcpAddress()
    {
        return tcpAddress;
    }

    /**
     * @return the handler serving every call, or {@code null} when the server was built with an
     * {@link #asyncHandler()}.
     */
    public RpcHandler handler()
    {
        return handler;
    }

    /**
     * @return the handler answering every call later, or {@code null} when the server was built with a
     * {@link #handler()}.
     */
    public AsyncRpcHandler asyncHandler()
    {
        return asyncHandler;
    }

    /**
     * @return the executor handlers run on, or {@code null} when the server makes (and owns) its own.
     */
    public Executor executor()
    {
        return executor;
    }

    /**
     * @return threads of the executor the server makes when none is given.
     */
    public int executorThreads()
    {
        return executorThreads;
    }

    /**
     * @return whether the handler was declared non-blocking, so each call is served on the thread that read it.
     */
    public boolean nonBlockingHandler()
    {
        return nonBlockingHandler;
    }

    /**
     * @return the largest frame accepted, length field included.
     */
    public int maxFrameSize()
    {
        return maxFrameSize;
    }

    /**
     * @return how long a graceful shutdown waits for in-flight calls.
     */
    public Duration drainTimeout()
    {
        return drainTimeout;
    }

    /**
     * @return how long a frame may take to arrive once its first bytes have; a peer that stalls mid-frame longer has
     * its connection closed.
     */
    public Duration frameReadTimeout()
    {
        return frameReadTimeout;
    }

    /**
     * @return I/O threads of the TCP transport.
     */
    public int ioThreads()
    {
        return ioThreads;
    }

    /**
     * @return whether the TCP transport uses epoll where available (NIO otherwise or when {@code false}).
     */
    public boolean nativeTransport()
    {
        return nativeTransport;
    }

    /**
     * @return the resolved shared-memory settings (for the shared-memory transport server).
     */
    public ShmSettings shmSettings()
    {
        return shmSettings;
    }

    /**
     * @return the configuration of the shared-memory sessions this server accepts: {@link #shmSettings()} mapped
     * onto shmipc-core's, then adjusted by {@link Builder#shmSession}.
     */
    public SessionConfig shmSessionConfig()
    {
        return shmSessionConfig;
    }

    /**
     * @return one transport server factory per transport kind; TCP is always present, shared memory when enabled
     * in the settings or added in code.
     */
    public Map<TransportKind, TransServerFactory> transServerFactories()
    {
        return transServerFactories;
    }

    /**
     * @return pipeline handlers run on the way in.
     */
    public List<InboundHandler> inboundHandlers()
    {
        return inboundHandlers;
    }

    /**
     * @return pipeline handlers run on the way out.
     */
    public List<OutboundHandler> outboundHandlers()
    {
        return outboundHandlers;
    }

    /**
     * @return names of the suites applied, in order.
     */
    public List<String> suites()
    {
        return suites;
    }

    /**
     * Builds {@link ServerOptions}.
     */
    public static final class Builder
    {
        private String tcpAddress = DEFAULT_TCP_ADDRESS;
        private final RpcHandler handler;
        private final AsyncRpcHandler asyncHandler;
        private Executor executor;
        private int executorThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private boolean nonBlockingHandler;
        private int maxFrameSize = FramedThriftCodec.THRIFT_DEFAULT_MAX_FRAME_SIZE;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration frameReadTimeout = DEFAULT_FRAME_READ_TIMEOUT;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private boolean nativeTransport = true;
        private final ShmSettings.Builder shm = ShmSettings.builder();
        private Consumer<SessionConfig.Builder> shmSession = session -> { };
        private Properties systemProperties = new Properties();
        private Map<String, String> environment = Map.of();
        private final Map<TransportKind, TransServerFactory> transServerFactories = new EnumMap<>(TransportKind.class);
        private final List<InboundHandler> inboundHandlers = new ArrayList<>();
        private final List<OutboundHandler> outboundHandlers = new ArrayList<>();
        private final List<String> suites = new ArrayList<>();

        private Builder(final RpcHandler handler, final AsyncRpcHandler asyncHandler)
        {
            this.handler = handler;
            this.asyncHandler = asyncHandler;
        }

        /**
         * @param address TCP listen address, {@code host:port} (port 0 picks a free one).
         * @return this.
         */
        public Builder tcpAddress(final String address)
        {
            this.tcpAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * @param executor runs handlers; the server does not shut it down.
         * @return this.
         */
        public Builder executor(final Executor executor)
        {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * @param threads threads of the executor the server makes when none is given.
         * @return this.
         */
        public Builder executorThreads(final int threads)
        {
            this.executorThreads = requirePositive(threads, "executorThreads");
            return this;
        }

        /**
         * Declare that the handler never blocks (no I/O, no waiting on locks or other calls), so each call can be
         * served on the thread that read it, the shared-memory connection's reader or the TCP I/O thread, with no
         * hand-off to the executor (or to another reader) on its way. Calls on one connection are then served one
         * after another, and a handler that does block holds up the calls read after it. Off by default.
         *
         * @param nonBlocking {@code true} when the handler never blocks.
         * @return this.
         */
        public Builder nonBlockingHandler(final boolean nonBlocking)
        {
            this.nonBlockingHandler = nonBlocking;
            return this;
        }

        /**
         * @param bytes largest frame accepted, length field included; larger ones close the connection.
         * @return this.
         */
        public Builder maxFrameSize(final int bytes)
        {
            this.maxFrameSize = requirePositive(bytes, "maxFrameSize");
            return this;
        }

        /**
         * Close a connection whose peer began a frame and did not complete it within {@code timeout}: a stalled or
         * broken peer would otherwise hold the connection and its buffer forever. Idle connections (no partial frame)
         * are not affected. Default {@link ServerOptions#DEFAULT_FRAME_READ_TIMEOUT}.
         *
         * @param timeout how long a frame may take once it has begun.
         * @return this.
         */
        public Builder frameReadTimeout(final Duration timeout)
        {
            if (timeout.isNegative() || timeout.isZero())
            {
                throw new IllegalArgumentException("frameReadTimeout must be positive, got " + timeout);
            }
            this.frameReadTimeout = timeout;
            return this;
        }

        /**
         * @param timeout how long a graceful shutdown waits for in-flight calls.
         * @return this.
         */
        public Builder drainTimeout(final Duration timeout)
        {
            if (timeout.isNegative())
            {
                throw new IllegalArgumentException("drainTimeout must not be negative, got " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        /**
         * @param threads I/O threads of the TCP transport.
         * @return this.
         */
        public Builder ioThreads(final int threads)
        {
            this.ioThreads = requirePositive(threads, "ioThreads");
            return this;
        }

        /**
         * @param useNative use epoll where available ({@code true}, the default) or always NIO.
         * @return this.
         */
        public Builder nativeTransport(final boolean useNative)
        {
            this.nativeTransport = useNative;
            return this;
        }

        /**
         * @return the code-level shared-memory settings, to set values that beat properties and environment.
         */
        public ShmSettings.Builder shm()
        {
            return shm;
        }

        /**
         * Adjust the shared-memory session configuration beyond {@link #shm()}, with what only shmipc-core knows
         * (allowed peer uids, handshake and write timeouts, park timeout); applied after the settings are mapped.
         *
         * @param adjust changes the builder the settings were mapped onto.
         * @return this.
         */
        public Builder shmSession(final Consumer<SessionConfig.Builder> adjust)
        {
            this.shmSession = Objects.requireNonNull(adjust, "adjust");
            return this;
        }

        /**
         * Set the layers under the code-level shared-memory settings (what {@link EnvironmentSuite} does).
         *
         * @param systemProperties system-property layer.
         * @param environment      environment layer.
         * @return this.
         */
        public Builder settingsLayers(final Properties systemProperties, final Map<String, String> environment)
        {
            this.systemProperties = Objects.requireNonNull(systemProperties, "systemProperties");
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Add the factory of one more transport; the server accepts on all of them with one handler.
         *
         * @param factory the factory.
         * @return this.
         * @throws IllegalStateException when a factory for the same transport kind was already added.
         */
        public Builder transServerFactory(final TransServerFactory factory)
        {
            final TransServerFactory existing = transServerFactories.putIfAbsent(factory.kind(), factory);
            if (existing != null)
            {
                throw new IllegalStateException("a TransServerFactory for " + factory.kind() +
                    " is already set (" + existing + "); a server takes one factory per transport kind, so " +
                    factory + " cannot be added too");
            }
            return this;
        }

        /**
         * @param handler a pipeline handler run on the way in.
         * @return this.
         */
        public Builder inboundHandler(final InboundHandler handler)
        {
            inboundHandlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * @param handler a pipeline handler run on the way out.
         * @return this.
         */
        public Builder outboundHandler(final OutboundHandler handler)
        {
            outboundHandlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * @param suite a bundle of options, applied now.
         * @return this.
         */
        public Builder suite(final Suite suite)
        {
            suite.apply(this);
            suites.add(suite.name());
            return this;
        }

        /**
         * @return the options.
         */
        public ServerOptions build()
        {
            return new ServerOptions(this);
        }
    }

    static int requirePositive(final int value, final String name)
    {
        if (value <= 0)
        {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }
}
