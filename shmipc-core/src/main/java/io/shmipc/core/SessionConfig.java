package io.shmipc.core;

import io.shmipc.core.buffer.SliceClass;
import io.shmipc.core.layout.QueueDescriptor;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Settings of a session, immutable. Built with {@link #builder()}; {@link Builder#fromEnvironment} layers the
 * {@code SHMIPC_*} environment variables and {@code shmipc.*} system properties under anything set in code
 * (precedence: code &gt; system property &gt; environment &gt; default).
 */
public final class SessionConfig {
    /** Reference default buffer region: 32 MiB. */
    public static final long DEFAULT_BUFFER_CAPACITY = 32L << 20;
    public static final String DEFAULT_FILE_PREFIX = "/dev/shm/shmipc-java";

    private final MemoryType memoryType;
    private final long bufferCapacity;
    private final SliceClass[] sliceClasses;
    private final int queueCapacity;
    private final String filePrefix;
    private final int spinIterations;
    private final Duration parkTimeout;
    private final Duration handshakeTimeout;
    private final Duration writeTimeout;
    private final boolean futexWake;
    private final boolean halfClose;
    private final boolean messageRings;
    private final int maxRingDataLength;
    private final int maxFallbackEventBytes;
    private final long maxInlineBufferedBytes;
    private final int[] allowedPeerUids;
    private final boolean ownUidAllowed;
    private final long maxPeerRegionBytes;

    private SessionConfig(final Builder b) {
        this.memoryType = b.memoryType;
        this.bufferCapacity = b.bufferCapacity;
        this.sliceClasses = b.sliceClasses.clone();
        this.queueCapacity = b.queueCapacity;
        this.filePrefix = b.filePrefix;
        this.spinIterations = b.spinIterations;
        this.parkTimeout = b.parkTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.writeTimeout = b.writeTimeout;
        this.futexWake = b.futexWake;
        this.halfClose = b.halfClose;
        this.messageRings = b.messageRings;
        this.maxRingDataLength = b.maxRingDataLength;
        this.maxFallbackEventBytes = b.maxFallbackEventBytes;
        this.maxInlineBufferedBytes = b.maxInlineBufferedBytes;
        this.allowedPeerUids = b.allowedPeerUids == null ? null : b.allowedPeerUids.clone();
        this.ownUidAllowed = b.ownUidAllowed;
        this.maxPeerRegionBytes = b.maxPeerRegionBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults, overridden by the environment and system properties. */
    public static SessionConfig fromEnvironment() {
        return builder().fromEnvironment(System.getenv(), System.getProperties()).build();
    }

    public static SessionConfig defaults() {
        return builder().build();
    }

    public MemoryType memoryType() {
        return memoryType;
    }

    public long bufferCapacity() {
        return bufferCapacity;
    }

    public SliceClass[] sliceClasses() {
        return sliceClasses.clone();
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    /** Path prefix of region files in {@link MemoryType#FILE} mode. */
    public String filePrefix() {
        return filePrefix;
    }

    /** Polls of the receive queue a waiting thread makes before it parks. */
    public int spinIterations() {
        return spinIterations;
    }

    /**
     * Longest single park (default 200 ms). Wake-ups never depend on it (futex or Polling events do that, and a dead
     * peer ends the control connection at once); it bounds how long a lost wake-up or a dead peer that left its
     * socket open (a forked child holding it) goes unnoticed, and each expiry costs an idle session a little CPU.
     */
    public Duration parkTimeout() {
        return parkTimeout;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** How long a write waits for queue space before failing. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** Whether to offer and use futex wake-ups with a shmipc-java peer. */
    public boolean futexWake() {
        return futexWake;
    }

    /**
     * Whether to offer and use stream half-close ({@link Stream#shutdownOutput()}) with a shmipc-java peer
     * (default true). Off, this side neither advertises nor sends it, as a reference peer.
     */
    public boolean halfClose() {
        return halfClose;
    }

    /**
     * Whether to offer and use message rings with a shmipc-java peer over memfd (default true; docs/PROTOCOL.md 12):
     * a client lays them out at the end of its buffer region, and messages of up to {@link #maxRingDataLength()}
     * bytes travel in them instead of in slices. Off, this side neither lays them out nor reads them.
     */
    public boolean messageRings() {
        return messageRings;
    }

    /** The largest message sent in a message ring itself rather than in slices (default 1024 bytes). */
    public int maxRingDataLength() {
        return maxRingDataLength;
    }

    public int maxFallbackEventBytes() {
        return maxFallbackEventBytes;
    }

    /** Peer uids accepted besides our own; null means only our own uid. */
    /**
     * Most bytes received inline (FallbackData) that readers may leave unread before the session stops reading its
     * control connection (default 64 MiB).
     */
    public long maxInlineBufferedBytes() {
        return maxInlineBufferedBytes;
    }

    public int[] allowedPeerUids() {
        return allowedPeerUids == null ? null : allowedPeerUids.clone();
    }

    /** Whether a peer running as our own uid is accepted (the default). */
    public boolean ownUidAllowed() {
        return ownUidAllowed;
    }

    /** Largest region a peer may ask us to map. */
    public long maxPeerRegionBytes() {
        return maxPeerRegionBytes;
    }

    /** True if a peer with this uid may open a session with us. */
    public boolean isPeerUidAllowed(final int peerUid, final int ownUid) {
        if (peerUid == ownUid && ownUidAllowed) {
            return true;
        }
        if (allowedPeerUids != null) {
            for (final int uid : allowedPeerUids) {
                if (uid == peerUid) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SessionConfig{memory=" + memoryType + ", buffer=" + bufferCapacity + " B, queue=" + queueCapacity
            + ", spin=" + spinIterations + ", futexWake=" + futexWake + ", halfClose=" + halfClose + ", messageRings=" + messageRings + "}";
    }

    /** Builder of {@link SessionConfig}. */
    public static final class Builder {
        private MemoryType memoryType = MemoryType.MEMFD;
        private long bufferCapacity = DEFAULT_BUFFER_CAPACITY;
        private SliceClass[] sliceClasses = SliceClass.DEFAULTS;
        private int queueCapacity = QueueDescriptor.DEFAULT_CAPACITY;
        private String filePrefix = DEFAULT_FILE_PREFIX;
        private int spinIterations = 20_000;
        private Duration parkTimeout = Duration.ofMillis(200);
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private Duration writeTimeout = Duration.ofSeconds(5);
        private boolean futexWake = true;
        private boolean halfClose = true;
        private boolean messageRings = true;
        private int maxRingDataLength = 1024;
        private int maxFallbackEventBytes = 1 << 20;
        private long maxInlineBufferedBytes = 64L << 20;
        private int[] allowedPeerUids;
        private boolean ownUidAllowed = true;
        private long maxPeerRegionBytes = 1L << 30;
        private final java.util.Set<String> setInCode = new java.util.HashSet<>();

        private Builder() {
        }

        public Builder memoryType(final MemoryType type) {
            setInCode.add("memoryType");
            this.memoryType = type;
            return this;
        }

        public Builder bufferCapacity(final long bytes) {
            if (bytes < 4096 || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("buffer capacity must be in 4096.." + Integer.MAX_VALUE
                    + " bytes, got " + bytes);
            }
            setInCode.add("bufferCapacity");
            this.bufferCapacity = bytes;
            return this;
        }

        public Builder sliceClasses(final SliceClass... classes) {
            if (classes.length == 0) {
                throw new IllegalArgumentException("at least one slice class");
            }
            setInCode.add("sliceClasses");
            this.sliceClasses = classes.clone();
            return this;
        }

        public Builder queueCapacity(final int elements) {
            if (elements <= 0 || elements % QueueDescriptor.CAPACITY_ALIGNMENT != 0
                || elements > QueueDescriptor.MAX_CAPACITY) {
                throw new IllegalArgumentException("queue capacity must be a positive multiple of "
                    + QueueDescriptor.CAPACITY_ALIGNMENT + " up to " + QueueDescriptor.MAX_CAPACITY + ", got " + elements);
            }
            setInCode.add("queueCapacity");
            this.queueCapacity = elements;
            return this;
        }

        public Builder filePrefix(final String prefix) {
            setInCode.add("filePrefix");
            this.filePrefix = prefix;
            return this;
        }

        public Builder spinIterations(final int iterations) {
            if (iterations < 0) {
                throw new IllegalArgumentException("spin iterations must be >= 0");
            }
            setInCode.add("spinIterations");
            this.spinIterations = iterations;
            return this;
        }

        public Builder parkTimeout(final Duration timeout) {
            this.parkTimeout = positive(timeout, "park timeout");
            return this;
        }

        public Builder handshakeTimeout(final Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshake timeout");
            return this;
        }

        public Builder writeTimeout(final Duration timeout) {
            this.writeTimeout = positive(timeout, "write timeout");
            return this;
        }

        public Builder futexWake(final boolean enabled) {
            setInCode.add("futexWake");
            this.futexWake = enabled;
            return this;
        }

        /** See {@link SessionConfig#halfClose()}. */
        public Builder halfClose(final boolean enabled) {
            setInCode.add("halfClose");
            this.halfClose = enabled;
            return this;
        }

        /** See {@link SessionConfig#messageRings()}. */
        public Builder messageRings(final boolean enabled) {
            setInCode.add("messageRings");
            this.messageRings = enabled;
            return this;
        }

        /** See {@link SessionConfig#maxRingDataLength()}; 0 sends every message in slices. */
        public Builder maxRingDataLength(final int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("ring data length must not be negative, got " + bytes);
            }
            setInCode.add("maxRingDataLength");
            this.maxRingDataLength = bytes;
            return this;
        }

        public Builder maxFallbackEventBytes(final int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("fallback events of at least 1024 bytes");
            }
            this.maxFallbackEventBytes = bytes;
            return this;
        }

        /** See {@link SessionConfig#maxInlineBufferedBytes()}; at least one fallback event. */
        public Builder maxInlineBufferedBytes(final long bytes) {
            if (bytes < maxFallbackEventBytes) {
                throw new IllegalArgumentException("inline buffer bound " + bytes
                    + " is below one fallback event (" + maxFallbackEventBytes + " bytes)");
            }
            this.maxInlineBufferedBytes = bytes;
            setInCode.add("maxInlineBufferedBytes");
            return this;
        }

        /** Lets peers running as these uids in, besides our own uid. */
        public Builder allowedPeerUids(final int... uids) {
            this.allowedPeerUids = uids.clone();
            return this;
        }

        /**
         * Whether peers running as our own uid are let in (default true). With false, only the uids given to
         * {@link #allowedPeerUids} are, e.g. a server that serves one other service account only.
         */
        public Builder allowOwnUid(final boolean allowed) {
            this.ownUidAllowed = allowed;
            return this;
        }

        public Builder maxPeerRegionBytes(final long bytes) {
            this.maxPeerRegionBytes = bytes;
            return this;
        }

        /**
         * Applies {@code SHMIPC_MEMORY_TYPE}, {@code SHMIPC_BUFFER_CAPACITY}, {@code SHMIPC_SLICE_SIZE_PERCENTS},
         * {@code SHMIPC_QUEUE_CAP}, {@code SHMIPC_SPIN}, {@code SHMIPC_FUTEX_WAKE}, {@code SHMIPC_HALF_CLOSE},
         * {@code SHMIPC_MESSAGE_RINGS}, {@code SHMIPC_RING_DATA_MAX},
         * {@code SHMIPC_FILE_PREFIX},
         * {@code SHMIPC_MAX_INLINE_BUFFERED} and
         * their system-property twins ({@code shmipc.memory.type}, ...) to every setting not already set in code.
         * System properties win over the environment.
         */
        public Builder fromEnvironment(final Map<String, String> env, final Properties properties) {
            final Function<String, String> lookup = name -> {
                final String property = properties.getProperty(propertyName(name));
                return property != null ? property : env.get(name);
            };
            apply("memoryType", lookup.apply("SHMIPC_MEMORY_TYPE"), v -> memoryType = MemoryType.parse(v));
            apply("bufferCapacity", lookup.apply("SHMIPC_BUFFER_CAPACITY"), v -> bufferCapacity(Long.parseLong(v)));
            apply("sliceClasses", lookup.apply("SHMIPC_SLICE_SIZE_PERCENTS"), v -> sliceClasses(SliceClass.parse(v)));
            apply("queueCapacity", lookup.apply("SHMIPC_QUEUE_CAP"), v -> queueCapacity(Integer.parseInt(v)));
            apply("spinIterations", lookup.apply("SHMIPC_SPIN"), v -> spinIterations(Integer.parseInt(v)));
            apply("futexWake", lookup.apply("SHMIPC_FUTEX_WAKE"), v -> futexWake = parseBoolean(v));
            apply("halfClose", lookup.apply("SHMIPC_HALF_CLOSE"), v -> halfClose = parseBoolean(v));
            apply("messageRings", lookup.apply("SHMIPC_MESSAGE_RINGS"), v -> messageRings = parseBoolean(v));
            apply("maxRingDataLength", lookup.apply("SHMIPC_RING_DATA_MAX"),
                v -> maxRingDataLength(Integer.parseInt(v)));
            apply("filePrefix", lookup.apply("SHMIPC_FILE_PREFIX"), v -> filePrefix = v);
            apply("maxInlineBufferedBytes", lookup.apply("SHMIPC_MAX_INLINE_BUFFERED"),
                v -> maxInlineBufferedBytes(Long.parseLong(v)));
            return this;
        }

        /** {@code SHMIPC_QUEUE_CAP} becomes {@code shmipc.queue.cap}. */
        public static String propertyName(final String variable) {
            return variable.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
        }

        private void apply(final String setting, final String value, final java.util.function.Consumer<String> setter) {
            if (value == null || value.isBlank() || setInCode.contains(setting)) {
                return;
            }
            try {
                setter.accept(value.trim());
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("bad value '" + value + "' for " + setting + ": " + e.getMessage(), e);
            }
            setInCode.remove(setting);
        }

        private static boolean parseBoolean(final String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "1", "true", "yes", "on" -> true;
                case "0", "false", "no", "off" -> false;
                default -> throw new IllegalArgumentException("expected true/false or 1/0");
            };
        }

        private static Duration positive(final Duration value, final String what) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return value;
        }

        public SessionConfig build() {
            return new SessionConfig(this);
        }
    }
}
