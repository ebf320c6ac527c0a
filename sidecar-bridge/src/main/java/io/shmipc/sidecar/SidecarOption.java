package io.shmipc.sidecar;

import java.util.Locale;

/**
 * Every setting of the bridge, with the three places it can come from: a command-line flag (highest), an
 * environment variable, and a key in the configuration file (lowest). {@code --help} is generated from this list,
 * so a new setting is documented the moment it exists.
 */
public enum SidecarOption
{
    CONFIG("config", "FILE", null,
        "configuration file (key = value lines, see README); flags and environment override it"),
    SOCKET("socket", "PATH", "/dev/shm/shmipc-sidecar.sock",
        "egress: the ShmIPC control socket local apps connect to"),
    TCP("tcp", "HOST:PORT", "127.0.0.1:0",
        "egress: TCP listener for apps that fall back from shared memory (port 0 picks one)"),
    ROUTE("route", "SERVICE[@CLUSTER]=HOST:PORT", null,
        "egress: a static route; repeat the flag, or separate routes with ',' in env/file; '*' is the default route"),
    ALLOW_DEST_ADDRESS("allow-dest-address", "true|false", "false",
        "egress: let a request's DestAddress key choose the upstream (off: any local app could make the bridge dial "
            + "any address)"),
    UPSTREAM_CONNECTIONS("upstream-connections", "N", "4",
        "egress: pooled TCP connections per upstream address"),
    SEQ_ID_LANES("seq-id-lanes", "N", "16",
        "callers that may have the same seq id in flight to one destination at once (each extra one opens a pool)"),
    CONNECT_TIMEOUT("connect-timeout", "MILLIS", "1000",
        "connect deadline for upstream and local-app connections"),
    CALL_TIMEOUT("call-timeout", "MILLIS", "5000",
        "deadline of a forwarded call when the request carries no RPCTimeout key"),
    INGRESS("ingress", "HOST:PORT", null,
        "ingress: TCP listener for callers from the network (off when unset)"),
    APP_SOCKET("app-socket", "PATH", null,
        "ingress: the local app's ShmIPC control socket (required with --ingress)"),
    APP_TCP("app-tcp", "HOST:PORT", null,
        "ingress: the local app's TCP address, used while shared memory is unavailable (required with --ingress)"),
    ADMIN("admin", "HOST:PORT", "127.0.0.1:0",
        "HTTP listener for /health and /metrics (port 0 picks one; 'off' disables it)"),
    WORKERS("workers", "N", "128",
        "calls forwarded at once per direction; more wait in line (no thread waits for a reply)"),
    MAX_FRAME("max-frame", "BYTES", "16384000",
        "largest frame accepted or forwarded"),
    DRAIN_TIMEOUT("drain-timeout", "MILLIS", "10000",
        "on SIGTERM: how long to wait for in-flight calls before exiting");

    private static final String ENV_PREFIX = "SHMIPC_SIDECAR_";

    private final String flag;
    private final String valueName;
    private final String defaultValue;
    private final String description;

    SidecarOption(final String flag, final String valueName, final String defaultValue, final String description)
    {
        this.flag = flag;
        this.valueName = valueName;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /**
     * @return the command-line flag without its leading dashes.
     */
    public String flag()
    {
        return flag;
    }

    /**
     * @return the environment variable, e.g. {@code SHMIPC_SIDECAR_SOCKET}.
     */
    public String environmentVariable()
    {
        return ENV_PREFIX + flag.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * @return the key in the configuration file: the flag's name.
     */
    public String fileKey()
    {
        return flag;
    }

    /**
     * @return the value used when no layer sets one, or {@code null} for none.
     */
    public String defaultValue()
    {
        return defaultValue;
    }

    /**
     * @param flag a flag without dashes.
     * @return its option, or {@code null}.
     */
    public static SidecarOption ofFlag(final String flag)
    {
        for (final SidecarOption option : values())
        {
            if (option.flag.equals(flag))
            {
                return option;
            }
        }
        return null;
    }

    /**
     * @return the {@code --help} text for all options.
     */
    public static String helpText()
    {
        final StringBuilder text = new StringBuilder();
        for (final SidecarOption option : values())
        {
            text.append(String.format("  --%s %s%n      %s%n      env %s%s%s%n",
                option.flag, option.valueName, option.description, option.environmentVariable(),
                option == CONFIG ? "" : ", file key '" + option.fileKey() + "'",
                option.defaultValue != null ? ", default " + option.defaultValue : ""));
        }
        return text.toString();
    }
}
