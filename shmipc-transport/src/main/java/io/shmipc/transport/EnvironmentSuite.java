package io.shmipc.transport;

import io.shmipc.transport.config.ShmSettings;

import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The suite that lets the environment decide: it feeds {@code shmipc.*} system properties and {@code SHMIPC_*}
 * environment variables to the builder as the layers under its code-level settings, so the precedence is
 * code &gt; system property &gt; environment &gt; default (see {@link io.shmipc.transport.config.ShmSetting}).
 * With {@code SHMIPC_ENABLE=true} a client tries shared memory at {@code SHMIPC_PATH} and otherwise uses TCP at
 * its target, or at {@code SHMIPC_FALLBACK_ADDR} when no target is set in code.
 */
public final class EnvironmentSuite implements Suite
{
    private final Properties systemProperties;
    private final Map<String, String> environment;

    private EnvironmentSuite(final Properties systemProperties, final Map<String, String> environment)
    {
        this.systemProperties = systemProperties;
        this.environment = environment;
    }

    /**
     * @return a suite over this JVM's system properties and environment, read when the options are built.
     */
    public static EnvironmentSuite fromSystem()
    {
        return new EnvironmentSuite(System.getProperties(), System.getenv());
    }

    /**
     * @param systemProperties stands in for the system properties.
     * @param environment      stands in for the environment (tests inject a map rather than mutate the real one).
     * @return a suite over the given layers.
     */
    public static EnvironmentSuite of(final Properties systemProperties, final Map<String, String> environment)
    {
        final Properties copy = new Properties();
        copy.putAll(Objects.requireNonNull(systemProperties, "systemProperties"));
        return new EnvironmentSuite(copy, Map.copyOf(environment));
    }

    /**
     * @param codeLevel settings set in code, which win over these layers.
     * @return the settings this suite yields over {@code codeLevel}.
     */
    public ShmSettings resolve(final ShmSettings.Builder codeLevel)
    {
        return codeLevel.resolve(systemProperties, environment);
    }

    @Override
    public String name()
    {
        return "environment";
    }

    @Override
    public void apply(final ClientOptions.Builder builder)
    {
        builder.settingsLayers(systemProperties, environment);
    }

    @Override
    public void apply(final ServerOptions.Builder builder)
    {
        builder.settingsLayers(systemProperties, environment);
    }

    @Override
    public String toString()
    {
        return "EnvironmentSuite";
    }
}
