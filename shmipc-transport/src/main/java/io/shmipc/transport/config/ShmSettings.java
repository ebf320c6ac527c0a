package io.shmipc.transport.config;

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
 * ({@link #source(ShmSetting)}). shmipc-core's session configuration is built from this value.
 */
public final class ShmSettings
{
    /** Default control socket path. */
    public static final String DEFAULT_PATH = "/dev/shm/shmipc.sock";
    /** Default buffer region size: 32 MiB, as shmipc-go. */
    public static final long DEFAULT_BUFFER_CAPACITY = 32L << 20;
    /** Default event queue capacity, as shmipc-go. */
    public static final int DEFAULT_QUEUE_CAP = 8192;
    /** Default sessions per client. */
    public static final int DEFAULT_CONCURRENCY = 1;
    /** Default slice size classes, shmipc-go's. */
    public static final List<SliceSizePercent> DEFAULT_SLICE_SIZE_PERCENTS = List.of(
        new SliceSizePercent(8192, 50), new SliceSizePercent(32 * 1024, 30), new SliceSizePercent(128 * 1024, 20));

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
     * @return whether clients try shared memory.
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
     * @return the slice size classes.
     */
    @SuppressWarnings("unchecked")
    public List<SliceSizePercent> sliceSizePercents()
    {
        return (List<SliceSizePercent>)values.get(ShmSetting.SLICE_SIZE_PERCENTS);
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
     * @param setting a setting.
     * @return where its value came from.
     */
    public SettingSource source(final ShmSetting setting)
    {
        return sources.get(setting);
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("ShmSettings{");
        for (final ShmSetting setting : ShmSetting.values())
        {
            sb.append(setting.name().toLowerCase(Locale.ROOT)).append('=').append(values.get(setting))
                .append(" (").append(sources.get(setting).name().toLowerCase(Locale.ROOT)).append("), ");
        }
        sb.setLength(sb.length() - 2);
        return sb.append('}').toString();
    }

    private static Map<ShmSetting, Object> defaultValues()
    {
        final Map<ShmSetting, Object> defaults = new EnumMap<>(ShmSetting.class);
        defaults.put(ShmSetting.ENABLE, Boolean.FALSE);
        defaults.put(ShmSetting.PATH, DEFAULT_PATH);
        defaults.put(ShmSetting.FALLBACK_ADDR, null);
        defaults.put(ShmSetting.MEMORY_TYPE, MemoryType.MEMFD);
        defaults.put(ShmSetting.BUFFER_CAPACITY, DEFAULT_BUFFER_CAPACITY);
        defaults.put(ShmSetting.SLICE_SIZE_PERCENTS, DEFAULT_SLICE_SIZE_PERCENTS);
        defaults.put(ShmSetting.QUEUE_CAP, DEFAULT_QUEUE_CAP);
        defaults.put(ShmSetting.CONCURRENCY, DEFAULT_CONCURRENCY);
        return Collections.unmodifiableMap(defaults);
    }

    private static Object parse(final ShmSetting setting, final String text)
    {
        final String trimmed = text.trim();
        switch (setting)
        {
            case ENABLE:
                return parseBoolean(trimmed);
            case PATH:
                return requireNonEmpty(trimmed);
            case FALLBACK_ADDR:
                return trimmed.isEmpty() ? null : trimmed;
            case MEMORY_TYPE:
                return MemoryType.parse(trimmed);
            case BUFFER_CAPACITY:
                return positive(parseSize(trimmed));
            case SLICE_SIZE_PERCENTS:
                return SliceSizePercent.parseList(trimmed);
            case QUEUE_CAP:
            case CONCURRENCY:
                return (int)positive(parseInt(trimmed));
            default:
                throw new IllegalStateException("unhandled setting " + setting);
        }
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

    private static long parseInt(final String text)
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

    private static long positive(final long value)
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
         * @param enabled whether clients try shared memory.
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
            code.put(ShmSetting.BUFFER_CAPACITY, positive(bytes));
            return this;
        }

        /**
         * @param classes slice size classes, percents adding up to 100.
         * @return this.
         */
        public Builder sliceSizePercents(final List<SliceSizePercent> classes)
        {
            code.put(ShmSetting.SLICE_SIZE_PERCENTS, SliceSizePercent.checked(classes));
            return this;
        }

        /**
         * @param capacity event queue capacity in elements.
         * @return this.
         */
        public Builder queueCapacity(final int capacity)
        {
            code.put(ShmSetting.QUEUE_CAP, (int)positive(capacity));
            return this;
        }

        /**
         * @param sessions sessions per client.
         * @return this.
         */
        public Builder concurrency(final int sessions)
        {
            code.put(ShmSetting.CONCURRENCY, (int)positive(sessions));
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
