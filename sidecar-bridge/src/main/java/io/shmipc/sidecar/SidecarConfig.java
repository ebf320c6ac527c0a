package io.shmipc.sidecar;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The bridge's resolved settings. Each {@link SidecarOption} comes from, highest first: the command line, the
 * environment ({@code SHMIPC_SIDECAR_*}), the configuration file, the default. Routes are merged instead: file,
 * then environment, then flags, a later route replacing an earlier one for the same service.
 */
public final class SidecarConfig
{
    private static final String OFF = "off";

    private final Map<SidecarOption, String> values;
    private final RouteTable routes;

    private SidecarConfig(final Map<SidecarOption, String> values, final RouteTable routes)
    {
        this.values = values;
        this.routes = routes;
    }

    /**
     * @param args        command-line arguments ({@code --flag value} or {@code --flag=value}); {@code --help}
     *                    must have been handled before.
     * @param environment the environment.
     * @return the resolved configuration.
     * @throws IllegalArgumentException naming the flag, variable or file line that is wrong.
     */
    public static SidecarConfig resolve(final List<String> args, final Map<String, String> environment)
    {
        final Map<SidecarOption, String> flags = new EnumMap<>(SidecarOption.class);
        final List<String> flagRoutes = new ArrayList<>();
        for (int i = 0; i < args.size(); i++)
        {
            final String arg = args.get(i);
            if (!arg.startsWith("--"))
            {
                throw new IllegalArgumentException("unexpected argument '" + arg + "' (options start with --)");
            }
            final int equals = arg.indexOf('=');
            final String name = equals > 0 ? arg.substring(2, equals) : arg.substring(2);
            final SidecarOption option = SidecarOption.ofFlag(name);
            if (option == null)
            {
                throw new IllegalArgumentException("unknown option '--" + name + "' (see --help)");
            }
            final String value;
            if (equals > 0)
            {
                value = arg.substring(equals + 1);
            }
            else if (i + 1 < args.size())
            {
                value = args.get(++i);
            }
            else
            {
                throw new IllegalArgumentException("option '--" + name + "' needs a value");
            }
            if (option == SidecarOption.ROUTE)
            {
                flagRoutes.add(value);
            }
            else
            {
                flags.put(option, value);
            }
        }

        final String configFile = flags.getOrDefault(SidecarOption.CONFIG,
            environment.get(SidecarOption.CONFIG.environmentVariable()));
        final Properties file = configFile != null ? readFile(Path.of(configFile)) : new Properties();
        for (final String key : file.stringPropertyNames())
        {
            final SidecarOption option = SidecarOption.ofFlag(key);
            if (option == null || option == SidecarOption.CONFIG)
            {
                throw new IllegalArgumentException("configuration file " + configFile + ": unknown key '" + key + "'");
            }
        }

        final Map<SidecarOption, String> values = new EnumMap<>(SidecarOption.class);
        for (final SidecarOption option : SidecarOption.values())
        {
            String value = flags.get(option);
            if (value == null)
            {
                value = environment.get(option.environmentVariable());
            }
            if (value == null)
            {
                value = file.getProperty(option.fileKey());
            }
            if (value == null)
            {
                value = option.defaultValue();
            }
            if (value != null)
            {
                values.put(option, value.trim());
            }
        }

        final List<String> routeSpecs = new ArrayList<>();
        splitRoutes(file.getProperty(SidecarOption.ROUTE.fileKey()), routeSpecs);
        splitRoutes(environment.get(SidecarOption.ROUTE.environmentVariable()), routeSpecs);
        routeSpecs.addAll(flagRoutes);
        final SidecarConfig config = new SidecarConfig(values,
            RouteTable.parse(routeSpecs, parseBoolean(values, SidecarOption.ALLOW_DEST_ADDRESS)));
        config.validate();
        return config;
    }

    private void validate()
    {
        positive(SidecarOption.UPSTREAM_CONNECTIONS);
        positive(SidecarOption.WORKERS);
        positive(SidecarOption.SEQ_ID_LANES);
        positive(SidecarOption.MAX_FRAME);
        positive(SidecarOption.CONNECT_TIMEOUT);
        positive(SidecarOption.CALL_TIMEOUT);
        if (millis(SidecarOption.DRAIN_TIMEOUT).isNegative())
        {
            throw new IllegalArgumentException("--drain-timeout must not be negative");
        }
        if (ingress() != null && (appSocket() == null || appTcp() == null))
        {
            throw new IllegalArgumentException("--ingress needs --app-socket and --app-tcp (where the local app is)");
        }
    }

    /**
     * @return the egress ShmIPC control socket path.
     */
    public String socket()
    {
        return values.get(SidecarOption.SOCKET);
    }

    /**
     * @return the egress TCP fallback listen address.
     */
    public String tcp()
    {
        return values.get(SidecarOption.TCP);
    }

    /**
     * @return the route table.
     */
    public RouteTable routes()
    {
        return routes;
    }

    /**
     * @return pooled connections per upstream address.
     */
    public int upstreamConnections()
    {
        return integer(SidecarOption.UPSTREAM_CONNECTIONS);
    }

    /**
     * @return how many callers may have the same seq id in flight to one destination at once.
     */
    public int seqIdLanes()
    {
        return integer(SidecarOption.SEQ_ID_LANES);
    }

    /**
     * @return connect deadline for upstream and app connections.
     */
    public Duration connectTimeout()
    {
        return millis(SidecarOption.CONNECT_TIMEOUT);
    }

    /**
     * @return deadline of a forwarded call that carries no RPCTimeout.
     */
    public Duration callTimeout()
    {
        return millis(SidecarOption.CALL_TIMEOUT);
    }

    /**
     * @return the ingress listen address, or {@code null} when ingress is off.
     */
    public String ingress()
    {
        return values.get(SidecarOption.INGRESS);
    }

    /**
     * @return the local app's ShmIPC control socket, or {@code null}.
     */
    public String appSocket()
    {
        return values.get(SidecarOption.APP_SOCKET);
    }

    /**
     * @return the local app's TCP address, or {@code null}.
     */
    public String appTcp()
    {
        return values.get(SidecarOption.APP_TCP);
    }

    /**
     * @return the admin HTTP listen address, or {@code null} when disabled.
     */
    public String admin()
    {
        final String admin = values.get(SidecarOption.ADMIN);
        return admin == null || OFF.equalsIgnoreCase(admin) ? null : admin;
    }

    /**
     * @return calls forwarded at once per direction.
     */
    public int workers()
    {
        return integer(SidecarOption.WORKERS);
    }

    /**
     * @return the largest frame accepted or forwarded.
     */
    public int maxFrame()
    {
        return integer(SidecarOption.MAX_FRAME);
    }

    /**
     * @return how long a SIGTERM waits for in-flight calls.
     */
    public Duration drainTimeout()
    {
        return millis(SidecarOption.DRAIN_TIMEOUT);
    }

    /**
     * @return every resolved value, for the startup log line.
     */
    public Map<SidecarOption, String> values()
    {
        return Collections.unmodifiableMap(values);
    }

    private void positive(final SidecarOption option)
    {
        if (integer(option) <= 0)
        {
            throw new IllegalArgumentException("--" + option.flag() + " must be positive, got " + values.get(option));
        }
    }

    private int integer(final SidecarOption option)
    {
        final String value = values.get(option);
        try
        {
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + option.flag() + " (or " + option.environmentVariable() +
                ") must be a whole number, got '" + value + "'", ex);
        }
    }

    private Duration millis(final SidecarOption option)
    {
        return Duration.ofMillis(integer(option));
    }

    private static boolean parseBoolean(final Map<SidecarOption, String> values, final SidecarOption option)
    {
        final String value = values.get(option);
        if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value))
        {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException("--" + option.flag() + " must be true or false, got '" + value + "'");
    }

    private static void splitRoutes(final String list, final List<String> into)
    {
        if (list == null)
        {
            return;
        }
        for (final String route : list.split(","))
        {
            if (!route.isBlank())
            {
                into.add(route.trim());
            }
        }
    }

    private static Properties readFile(final Path path)
    {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read configuration file " + path + ": " + ex, ex);
        }
        return properties;
    }
}
