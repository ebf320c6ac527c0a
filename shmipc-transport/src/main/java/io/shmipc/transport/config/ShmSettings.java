package io.shmipc.transport.config;

import io.shmipc.core.MemoryType;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.core.layout.QueueDescriptor;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The shared-memory settings of a client or server as one immutable value, each resolved with the precedence
 * code &gt; system property &gt; environment &gt; default, and each remembering where it came from
 * ({@link #source(ShmSetting)}). shmipc-core's session configuration is built from this value
 * ({@link #sessionConfig()}); values are parsed and checked by shmipc-core's own rules, so a bad value fails here,
 * named with its variable and source, rather than at connect time.
 */
public final class ShmSettings
{
    /** Default control socket path. */
    public static final String DEFAULT_PATH = "/dev/shm/shmipc.sock";
    /** Default buffer region size: 32 MiB, as shmipc-go. */
    public static final long DEFAULT_BUFFER_CAPACITY = SessionConfig.DEFAULT_BUFFER_CAPACITY;
    /** Default event queue capacity, as shmipc-go. */
    public static final int DEFAULT_QUEUE_CAP = QueueDescriptor.DEFAULT_CAPACITY;
    /** Default sessions per client. */
    public static final int DEFAULT_CONCURRENCY = 1;
    /**
     * The {@code SHMIPC_SPIN} an {@code RpcClient} and an {@code RpcServer} use when no layer sets one: 4,000 polls
     * (roughly the 40-100 µs a parked thread takes to wake on a small VM), below shmipc-core's 20,000; a spinning
     * thread yields every 128 polls and no more threads spin than there are CPUs. Measured on a 2-vCPU VM, pinned,
     * 64 B to 64 KiB pingpong: with 200 polls every call above 4 KiB outlasted the spin and paid a wake-up (16 KiB p50
     * 58 µs, 64 B p99 52-55 µs, chain 4 KiB 90 CPU µs per call); with 4,000: 16 KiB p50 7.4 µs, 64 B p99 2.7-8 µs,
     * chain 15 CPU µs per call, 64 B calls/s 2-3x. Lower it where many idle connections share few cores.
     * {@link #withDefault} applies it.
     */
    public static final int RPC_DEFAULT_SPIN = 4000;
    /** Default slice classes: shmipc-go's 8 KiB, 32 KiB and 128 KiB slices (headers included), 50/30/20 %. */
    public static final List<SliceClass> DEFAULT_SLICE_CLASSES = List.of(SliceClass.DEFAULTS);

    private static final int MAX_PERCENT_SUM = 100;
    private static final Map<ShmSetting, Object> DEFAULTS = defaultValues();

    private final Map<ShmSetting, Object> values;
    private final Map<ShmSetting, SettingSource> sources;

    private ShmSettings(final Map<ShmSetting, Object> values, final Map<ShmSetting, SettingSource> sources)
    {
        this.values = values;
        this.sources = sources;
    }

    /**
     * @return the built-in defaults (shared memory disabled).
     */
    public static ShmSettings defaults()
    {
        return builder().build();
    }

    /**
     * @return a builder for code-level values; settings left unset there come from lower layers on
     * {@link Builder#resolve}.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return whether clients try shared memory (and servers listen on it).
     */
    public boolean enabled()
    {
        return (Boolean)values.get(ShmSetting.ENABLE);
    }

    /**
     * @return the control socket path.
     */
    public String path()
    {
        return (String)values.get(ShmSetting.PATH);
    }

    /**
     * @return the TCP fallback address ({@code host:port}), or {@code null} when none is configured.
     */
    public String fallbackAddress()
    {
        return (String)values.get(ShmSetting.FALLBACK_ADDR);
    }

    /**
     * @return how regions are created.
     */
    public MemoryType memoryType()
    {
        return (MemoryType)values.get(ShmSetting.MEMORY_TYPE);
    }

    /**
     * @return the buffer region size in bytes.
     */
    public long bufferCapacity()
    {
        return (Long)values.get(ShmSetting.BUFFER_CAPACITY);
    }

    /**
     * @return the slice classes of the buffer region.
     */
    @SuppressWarnings("unchecked")
    public List<SliceClass> sliceClasses()
    {
        return (List<SliceClass>)values.get(ShmSetting.SLICE_SIZE_PERCENTS);
    }

    /**
     * @return the event queue capacity in elements.
     */
    public int queueCapacity()
    {
        return (Integer)values.get(ShmSetting.QUEUE_CAP);
    }

    /**
     * @return sessions per client.
     */
    public int concurrency()
    {
        return (Integer)values.get(ShmSetting.CONCURRENCY);
    }

    /**
     * @return polls of the receive queue before a waiting thread parks.
     */
    public int spinIterations()
    {
        return (Integer)values.get(ShmSetting.SPIN);
    }

    /**
     * @return whether futex wake-ups are offered to shmipc-java peers.
     */
    public boolean futexWake()
    {
        return (Boolean)values.get(ShmSetting.FUTEX_WAKE);
    }

    /**
     * @return whether message rings are offered to shmipc-java peers.
     */
    public boolean messageRings()
    {
        return (Boolean)values.get(ShmSetting.MESSAGE_RINGS);
    }

    /**
     * @return the path prefix of region files in {@code file} mode.
     */
    public String filePrefix()
    {
        return (String)values.get(ShmSetting.FILE_PREFIX);
    }

    /**
     * @param setting a setting.
     * @return where its value came from.
     */
    public SettingSource source(final ShmSetting setting)
    {
        return sources.get(setting);
    }

    /**
     * These settings with a different default for one setting: it takes {@code value} if no layer set it (its source
     * stays {@link SettingSource#DEFAULT}). For defaults that depend on the role, such as a server's shorter spin.
     *
     * @param setting the setting.
     * @param value   its default, in the form its variable takes.
     * @return the settings with that default.
     * @throws IllegalArgumentException when {@code value} is not valid for the setting.
     */
    public ShmSettings withDefault(final ShmSetting setting, final String value)
    {
        if (sources.get(setting) != SettingSource.DEFAULT)
        {
            return this;
        }
        final Map<ShmSetting, Object> changed = new EnumMap<>(values);
        changed.put(setting, parse(setting, value));
        return new ShmSettings(Collections.unmodifiableMap(changed), sources);
    }

    /**
     * Map these settings onto shmipc-core's session configuration. Every session setting is set as a code-level
     * value of the returned builder, so the precedence resolved here holds end to end; the caller may still set what
     * only the core knows (peer uids, timeouts) before {@code build()}.
     *
     * @return a builder holding these values.
     */
    public SessionConfig.Builder sessionConfig()
    {
        return SessionConfig.builder()
            .memoryType(memoryType())
            .bufferCapacity(bufferCapacity())
            .sliceClasses(sliceClasses().toArray(new SliceClass[0]))
            .queueCapacity(queueCapacity())
            .spinIterations(spinIterations())
            .futexWake(futexWake())
            .messageRings(messageRings())
            .filePrefix(filePrefix());
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("ShmSettings{");
        for (final ShmSetting setting : ShmSetting.values())
        {
            sb.append(setting.name().toLowerCase(Locale.ROOT)).append('=').append(format(values.get(setting)))
                .append(" (").append(sources.get(setting).name().toLowerCase(Locale.ROOT)).append("), ");
        }
        sb.setLength(sb.length() - 2);
        return sb.append('}').toString();
    }

    private static Object format(final Object value)
    {
        if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof SliceClass)
        {
            final StringBuilder sb = new StringBuilder();
            for (final Object item : list)
            {
                final SliceClass sliceClass = (SliceClass)item;
                sb.append(sb.length() == 0 ? "" : ",").append(sliceClass.dataCapacity()).append(':')
                    .append(sliceClass.percent());
            }
            return sb;
        }
        return value;
    }

    private static Map<ShmSetting, Object> defaultValues()
    {
        final SessionConfig core = SessionConfig.defaults();
        final Map<ShmSetting, Object> defaults = new EnumMap<>(ShmSetting.class);
        defaults.put(ShmSetting.ENABLE, Boolean.FALSE);
        defaults.put(ShmSetting.PATH, DEFAULT_PATH);
        defaults.put(ShmSetting.FALLBACK_ADDR, null);
        defaults.put(ShmSetting.MEMORY_TYPE, core.memoryType());
        defaults.put(ShmSetting.BUFFER_CAPACITY, core.bufferCapacity());
        defaults.put(ShmSetting.SLICE_SIZE_PERCENTS, DEFAULT_SLICE_CLASSES);
        defaults.put(ShmSetting.QUEUE_CAP, core.queueCapacity());
        defaults.put(ShmSetting.CONCURRENCY, DEFAULT_CONCURRENCY);
        defaults.put(ShmSetting.SPIN, core.spinIterations());
        defaults.put(ShmSetting.FUTEX_WAKE, core.futexWake());
        defaults.put(ShmSetting.MESSAGE_RINGS, core.messageRings());
        defaults.put(ShmSetting.FILE_PREFIX, core.filePrefix());
        return Collections.unmodifiableMap(defaults);
    }

    private static Object parse(final ShmSetting setting, final String text)
    {
        final String trimmed = text.trim();
        switch (setting)
        {
            case ENABLE:
            case FUTEX_WAKE:
            case MESSAGE_RINGS:
                return parseBoolean(trimmed);
            case PATH:
            case FILE_PREFIX:
                return requireNonEmpty(trimmed);
            case FALLBACK_ADDR:
                return trimmed.isEmpty() ? null : trimmed;
            case MEMORY_TYPE:
                return MemoryType.parse(trimmed);
            case BUFFER_CAPACITY:
                return checkedBufferCapacity(parseSize(trimmed));
            case SLICE_SIZE_PERCENTS:
                return checkedSliceClasses(List.of(SliceClass.parse(trimmed)));
            case QUEUE_CAP:
                return checkedQueueCapacity(parseInt(trimmed));
            case CONCURRENCY:
                return positive(parseInt(trimmed));
            case SPIN:
                return checkedSpin(parseInt(trimmed));
            default:
                throw new IllegalStateException("unhandled setting " + setting);
        }
    }

    // The checks below are shmipc-core's own (its builder throws on a bad value); running them while resolving
    // names the variable and its source in the error instead of failing later at connect time.

    private static long checkedBufferCapacity(final long bytes)
    {
        SessionConfig.builder().bufferCapacity(bytes);
        return bytes;
    }

    private static int checkedQueueCapacity(final int elements)
    {
        SessionConfig.builder().queueCapacity(elements);
        return elements;
    }

    private static int checkedSpin(final int iterations)
    {
        SessionConfig.builder().spinIterations(iterations);
        return iterations;
    }

    private static List<SliceClass> checkedSliceClasses(final List<SliceClass> classes)
    {
        SessionConfig.builder().sliceClasses(classes.toArray(new SliceClass[0]));
        int total = 0;
        for (final SliceClass sliceClass : classes)
        {
            total += sliceClass.percent();
        }
        if (total > MAX_PERCENT_SUM)
        {
            // The buffer pool refuses this when it lays out the region; say so before any connect is tried.
            throw new IllegalArgumentException("slice class percents add up to " + total + ", more than 100");
        }
        return List.copyOf(classes);
    }

    private static Boolean parseBoolean(final String text)
    {
        switch (text.toLowerCase(Locale.ROOT))
        {
            case "true": case "1": case "yes": case "on":
                return Boolean.TRUE;
            case "false": case "0": case "no": case "off": case "":
                return Boolean.FALSE;
            default:
                throw new IllegalArgumentException("'" + text + "' is not a boolean (true/false, 1/0, yes/no, on/off)");
        }
    }

    private static String requireNonEmpty(final String text)
    {
        if (text.isEmpty())
        {
            throw new IllegalArgumentException("an empty path is not allowed");
        }
        return text;
    }

    private static long parseSize(final String text)
    {
        if (text.isEmpty())
        {
            throw new IllegalArgumentException("'' is not a size");
        }
        final char unit = Character.toLowerCase(text.charAt(text.length() - 1));
        final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
        final String digits = shift == 0 ? text : text.substring(0, text.length() - 1).trim();
        try
        {
            final long value = Long.parseLong(digits);
            if (value > (Long.MAX_VALUE >> shift))
            {
                throw new IllegalArgumentException("'" + text + "' is too large");
            }
            return value << shift;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not a size (bytes, optionally with k, m or g)");
        }
    }

    private static int parseInt(final String text)
    {
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not an integer");
        }
    }

    private static int positive(final int value)
    {
        if (value <= 0)
        {
            throw new IllegalArgumentException(value + " is not positive");
        }
        return value;
    }

    /**
     * Code-level values of {@link ShmSettings}; what is set here beats system properties and the environment.
     */
    public static final class Builder
    {
        private final Map<ShmSetting, Object> code = new EnumMap<>(ShmSetting.class);

        private Builder()
        {
        }

        /**
         * @param enabled whether clients try shared memory (and servers listen on it).
         * @return this.
         */
        public Builder enabled(final boolean enabled)
        {
            code.put(ShmSetting.ENABLE, enabled);
            return this;
        }

        /**
         * @param path the control socket path.
         * @return this.
         */
        public Builder path(final String path)
        {
            code.put(ShmSetting.PATH, requireNonEmpty(Objects.requireNonNull(path, "path")));
            return this;
        }

        /**
         * @param address the TCP fallback address, {@code host:port}.
         * @return this.
         */
        public Builder fallbackAddress(final String address)
        {
            code.put(ShmSetting.FALLBACK_ADDR, Objects.requireNonNull(address, "address"));
            return this;
        }

        /**
         * @param type how regions are created.
         * @return this.
         */
        public Builder memoryType(final MemoryType type)
        {
            code.put(ShmSetting.MEMORY_TYPE, Objects.requireNonNull(type, "type"));
            return this;
        }

        /**
         * @param bytes buffer region size.
         * @return this.
         */
        public Builder bufferCapacity(final long bytes)
        {
            code.put(ShmSetting.BUFFER_CAPACITY, checkedBufferCapacity(bytes));
            return this;
        }

        /**
         * @param classes slice classes, percents adding up to at most 100.
         * @return this.
         */
        public Builder sliceClasses(final SliceClass... classes)
        {
            code.put(ShmSetting.SLICE_SIZE_PERCENTS, checkedSliceClasses(List.of(classes)));
            return this;
        }

        /**
         * @param capacity event queue capacity in elements (a multiple of 16).
         * @return this.
         */
        public Builder queueCapacity(final int capacity)
        {
            code.put(ShmSetting.QUEUE_CAP, checkedQueueCapacity(capacity));
            return this;
        }

        /**
         * @param sessions sessions per client.
         * @return this.
         */
        public Builder concurrency(final int sessions)
        {
            code.put(ShmSetting.CONCURRENCY, positive(sessions));
            return this;
        }

        /**
         * @param iterations polls of the receive queue before a waiting thread parks.
         * @return this.
         */
        public Builder spinIterations(final int iterations)
        {
            code.put(ShmSetting.SPIN, checkedSpin(iterations));
            return this;
        }

        /**
         * @param enabled whether futex wake-ups are offered to shmipc-java peers.
         * @return this.
         */
        public Builder futexWake(final boolean enabled)
        {
            code.put(ShmSetting.FUTEX_WAKE, enabled);
            return this;
        }

        /**
         * @param enabled whether message rings are offered to shmipc-java peers.
         * @return this.
         */
        public Builder messageRings(final boolean enabled)
        {
            code.put(ShmSetting.MESSAGE_RINGS, enabled);
            return this;
        }

        /**
         * @param prefix path prefix of region files in {@code file} mode.
         * @return this.
         */
        public Builder filePrefix(final String prefix)
        {
            code.put(ShmSetting.FILE_PREFIX, requireNonEmpty(Objects.requireNonNull(prefix, "prefix")));
            return this;
        }

        /**
         * @return code values over defaults, ignoring system properties and the environment.
         */
        public ShmSettings build()
        {
            return resolve(new Properties(), Map.of());
        }

        /**
         * Resolve every setting: code, then {@code systemProperties}, then {@code environment}, then the default.
         *
         * @param systemProperties usually {@link System#getProperties()}.
         * @param environment      usually {@link System#getenv()}; tests pass their own map.
         * @return the settings.
         * @throws IllegalArgumentException naming the variable or property, its source and the bad value.
         */
        public ShmSettings resolve(final Properties systemProperties, final Map<String, String> environment)
        {
            final Map<ShmSetting, Object> values = new EnumMap<>(ShmSetting.class);
            final Map<ShmSetting, SettingSource> sources = new EnumMap<>(ShmSetting.class);
            for (final ShmSetting setting : ShmSetting.values())
            {
                if (code.containsKey(setting))
                {
                    values.put(setting, code.get(setting));
                    sources.put(setting, SettingSource.CODE);
                    continue;
                }
                final String property = systemProperties.getProperty(setting.systemProperty());
                if (property != null)
                {
                    values.put(setting, parseFrom(setting, property, "system property " + setting.systemProperty()));
                    sources.put(setting, SettingSource.SYSTEM_PROPERTY);
                    continue;
                }
                final String variable = environment.get(setting.environmentVariable());
                if (variable != null)
                {
                    values.put(setting, parseFrom(setting, variable, "environment variable " +
                        setting.environmentVariable()));
                    sources.put(setting, SettingSource.ENVIRONMENT);
                    continue;
                }
                values.put(setting, DEFAULTS.get(setting));
                sources.put(setting, SettingSource.DEFAULT);
            }
            return new ShmSettings(Collections.unmodifiableMap(values), Collections.unmodifiableMap(sources));
        }

        private static Object parseFrom(final ShmSetting setting, final String text, final String where)
        {
            try
            {
                return parse(setting, text);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(where + "='" + text + "' is invalid: " + ex.getMessage(), ex);
            }
        }
    }
}
