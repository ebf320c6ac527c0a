package io.shmipc.transport;

import io.shmipc.core.SessionConfig;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.FramedThriftCodec;
import io.shmipc.transport.config.ShmSetting;
import io.shmipc.transport.config.ShmSettings;
import io.shmipc.transport.remote.Dialer;
import io.shmipc.transport.remote.InboundHandler;
import io.shmipc.transport.remote.OutboundHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Everything an {@link RpcClient} is built from. Immutable; made by {@link #builder()}.
 */
public final class ClientOptions
{
    /** Default connect deadline. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** Default call deadline, measured from the call (connecting included). */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
    /** Default of {@link Builder#frameReadTimeout(Duration)}. */
    public static final Duration DEFAULT_FRAME_READ_TIMEOUT = ServerOptions.DEFAULT_FRAME_READ_TIMEOUT;
    /** Default time to stay on TCP after a shared-memory connect failed, before trying shared memory again. */
    public static final Duration DEFAULT_SHM_RETRY_INTERVAL = Duration.ofSeconds(10);

    private final String tcpAddress;
    private final Duration connectTimeout;
    private final Duration callTimeout;
    private final Duration frameReadTimeout;
    private final int connectionsPerAddress;
    private final int maxFrameSize;
    private final FrameFormat frameFormat;
    private final int ioThreads;
    private final boolean nativeTransport;
    private final Duration shmRetryInterval;
    private final ShmSettings shmSettings;
    private final SessionConfig shmSessionConfig;
    private final Map<TransportKind, Dialer> dialers;
    private final List<InboundHandler> inboundHandlers;
    private final List<OutboundHandler> outboundHandlers;
    private final List<String> suites;

    private ClientOptions(final Builder b)
    {
        this.shmSettings = b.shm.resolve(b.systemProperties, b.environment)
            .withDefault(ShmSetting.SPIN, Integer.toString(ShmSettings.RPC_DEFAULT_SPIN));
        this.tcpAddress = b.target != null ? b.target : shmSettings.fallbackAddress();
        if (tcpAddress == null)
        {
            throw new IllegalStateException("a client needs a TCP address: set ClientOptions.Builder.target(...)" +
                " or the fallback address (SHMIPC_FALLBACK_ADDR / shmipc.fallback.addr with the environment suite)");
        }
        this.connectTimeout = b.connectTimeout;
        final SessionConfig.Builder session = shmSettings.sessionConfig().handshakeTimeout(b.connectTimeout);
        b.shmSession.accept(session);
        this.shmSessionConfig = session.build();
        this.callTimeout = b.callTimeout;
        this.frameReadTimeout = b.frameReadTimeout;
        this.connectionsPerAddress = b.connectionsPerAddress;
        this.maxFrameSize = b.maxFrameSize;
        this.frameFormat = b.frameFormat;
        this.ioThreads = b.ioThreads;
        this.nativeTransport = b.nativeTransport;
        this.shmRetryInterval = b.shmRetryInterval;
        this.dialers = Collections.unmodifiableMap(new EnumMap<>(b.dialers)); // b.dialers is an EnumMap
        this.inboundHandlers = List.copyOf(b.inboundHandlers);
        this.outboundHandlers = List.copyOf(b.outboundHandlers);
        this.suites = List.copyOf(b.suites);
    }

    /**
     * @return a builder with defaults.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return the TCP address calls go to when they do not use shared memory: the target set in code, else the
     * resolved fallback address.
     */
    public String tcpAddress()
    {
        return tcpAddress;
    }

    /**
     * @return the connect deadline.
     */
    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /**
     * @return the default call deadline.
     */
    public Duration callTimeout()
    {
        return callTimeout;
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
     * @return connections kept per address; each carries many calls at once.
     */
    public int connectionsPerAddress()
    {
        return connectionsPerAddress;
    }

    /**
     * @return the largest reply accepted, length field included.
     */
    public int maxFrameSize()
    {
        return maxFrameSize;
    }

    /**
     * @return how requests are framed.
     */
    public FrameFormat frameFormat()
    {
        return frameFormat;
    }

    /**
     * @return I/O threads of the TCP transport.
     */
    public int ioThreads()
    {
        return ioThreads;
    }

    /**
     * @return whether the TCP transport uses epoll where available.
     */
    public boolean nativeTransport()
    {
        return nativeTransport;
    }

    /**
     * @return how long to stay on TCP after a shared-memory connect failed.
     */
    public Duration shmRetryInterval()
    {
        return shmRetryInterval;
    }

    /**
     * @return the resolved shared-memory settings.
     */
    public ShmSettings shmSettings()
    {
        return shmSettings;
    }

    /**
     * @return the configuration of the client's shared-memory sessions: {@link #shmSettings()} mapped onto
     * shmipc-core's, the handshake bounded by the connect timeout, then adjusted by {@link Builder#shmSession}.
     */
    public SessionConfig shmSessionConfig()
    {
        return shmSessionConfig;
    }

    /**
     * @return dialers registered in code, by transport kind (the client adds its TCP dialer when none is given, and
     * its shared-memory dialer when shared memory is enabled and none is given).
     */
    public Map<TransportKind, Dialer> dialers()
    {
        return dialers;
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
     * Builds {@link ClientOptions}.
     */
    public static final class Builder
    {
        private String target;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration frameReadTimeout = DEFAULT_FRAME_READ_TIMEOUT;
        private int connectionsPerAddress = 1;
        private int maxFrameSize = FramedThriftCodec.THRIFT_DEFAULT_MAX_FRAME_SIZE;
        private FrameFormat frameFormat = FrameFormat.TTHEADER_FRAMED;
        private int ioThreads = 1;
        private boolean nativeTransport = true;
        private Duration shmRetryInterval = DEFAULT_SHM_RETRY_INTERVAL;
        private final ShmSettings.Builder shm = ShmSettings.builder();
        private Consumer<SessionConfig.Builder> shmSession = session -> { };
        private Properties systemProperties = new Properties();
        private Map<String, String> environment = Map.of();
        private final Map<TransportKind, Dialer> dialers = new EnumMap<>(TransportKind.class);
        private final List<InboundHandler> inboundHandlers = new ArrayList<>();
        private final List<OutboundHandler> outboundHandlers = new ArrayList<>();
        private final List<String> suites = new ArrayList<>();

        private Builder()
        {
        }

        /**
         * @param address the server's TCP address, {@code host:port}.
         * @return this.
         */
        public Builder target(final String address)
        {
            this.target = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * @param timeout connect deadline.
         * @return this.
         */
        public Builder connectTimeout(final Duration timeout)
        {
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Close a connection whose peer began a frame and did not complete it within {@code timeout}: a stalled or
         * broken peer would otherwise hold the connection and its buffer forever. Idle connections (no partial frame)
         * are not affected. Default {@link ClientOptions#DEFAULT_FRAME_READ_TIMEOUT}.
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
         * @param timeout default call deadline, connecting included.
         * @return this.
         */
        public Builder callTimeout(final Duration timeout)
        {
            this.callTimeout = requirePositive(timeout, "callTimeout");
            return this;
        }

        /**
         * @param connections connections kept per address.
         * @return this.
         */
        public Builder connectionsPerAddress(final int connections)
        {
            this.connectionsPerAddress = ServerOptions.requirePositive(connections, "connectionsPerAddress");
            return this;
        }

        /**
         * @param bytes largest reply accepted.
         * @return this.
         */
        public Builder maxFrameSize(final int bytes)
        {
            this.maxFrameSize = ServerOptions.requirePositive(bytes, "maxFrameSize");
            return this;
        }

        /**
         * @param format how requests are framed.
         * @return this.
         */
        public Builder frameFormat(final FrameFormat format)
        {
            this.frameFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * @param threads I/O threads of the TCP transport.
         * @return this.
         */
        public Builder ioThreads(final int threads)
        {
            this.ioThreads = ServerOptions.requirePositive(threads, "ioThreads");
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
         * @param interval how long to stay on TCP after a shared-memory connect failed.
         * @return this.
         */
        public Builder shmRetryInterval(final Duration interval)
        {
            this.shmRetryInterval = requirePositive(interval, "shmRetryInterval");
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
         * Register the dialer of a transport (the shared-memory one, or a replacement TCP one).
         *
         * @param dialer the dialer; the client closes it when it closes.
         * @return this.
         * @throws IllegalStateException when a dialer for the same transport kind was already registered.
         */
        public Builder dialer(final Dialer dialer)
        {
            final Dialer existing = dialers.putIfAbsent(dialer.kind(), dialer);
            if (existing != null)
            {
                throw new IllegalStateException("a Dialer for " + dialer.kind() + " is already registered (" +
                    existing + "); a client takes one dialer per transport kind, so " + dialer +
                    " cannot be added too");
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
         * @throws IllegalStateException when no TCP address is known.
         */
        public ClientOptions build()
        {
            return new ClientOptions(this);
        }

        private static Duration requirePositive(final Duration value, final String name)
        {
            if (value.isNegative() || value.isZero())
            {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
