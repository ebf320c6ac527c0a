package io.shmipc.sidecar;

import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.tcp.TcpAddresses;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The static egress route table: picks the upstream {@code host:port} of a call from its TTHeader integer keys.
 * Order of precedence: the request's DestAddress (when allowed), then {@code ToService@ToCluster}, then
 * {@code ToService}, then the default route {@code *}. Immutable; built once from the configuration.
 */
public final class RouteTable
{
    /** The service name of the default route. */
    public static final String DEFAULT_ROUTE = "*";
    private static final char CLUSTER_SEPARATOR = '@';

    private final Map<String, String> routes;
    private final boolean allowDestAddress;

    private RouteTable(final Map<String, String> routes, final boolean allowDestAddress)
    {
        this.routes = Collections.unmodifiableMap(routes);
        this.allowDestAddress = allowDestAddress;
    }

    /**
     * @param specs            routes as {@code SERVICE[@CLUSTER]=HOST:PORT}; later ones replace earlier ones with
     *                         the same key.
     * @param allowDestAddress whether a DestAddress key in the request may choose the upstream.
     * @return the table.
     * @throws IllegalArgumentException naming the route that cannot be parsed.
     */
    public static RouteTable parse(final List<String> specs, final boolean allowDestAddress)
    {
        final Map<String, String> routes = new LinkedHashMap<>();
        for (final String raw : specs)
        {
            final String spec = raw.trim();
            final int equals = spec.indexOf('=');
            if (equals <= 0 || equals == spec.length() - 1)
            {
                throw new IllegalArgumentException("route '" + spec + "' is not SERVICE[@CLUSTER]=HOST:PORT");
            }
            final String key = spec.substring(0, equals).trim();
            final String address = spec.substring(equals + 1).trim();
            try
            {
                TcpAddresses.parse(address);
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalArgumentException("route '" + spec + "': bad upstream address: " + ex.getMessage(),
                    ex);
            }
            routes.put(key, address);
        }
        return new RouteTable(routes, allowDestAddress);
    }

    /**
     * @param intInfo the request's TTHeader integer keys.
     * @return the upstream {@code host:port}, or {@code null} when no route matches.
     */
    public String resolve(final Map<Integer, String> intInfo)
    {
        if (allowDestAddress)
        {
            final String dest = intInfo.get(IntInfoKey.DEST_ADDRESS.id());
            if (dest != null && !dest.isBlank())
            {
                return dest.trim();
            }
        }
        final String service = intInfo.get(IntInfoKey.TO_SERVICE.id());
        if (service != null)
        {
            final String cluster = intInfo.get(IntInfoKey.TO_CLUSTER.id());
            if (cluster != null)
            {
                final String byCluster = routes.get(service + CLUSTER_SEPARATOR + cluster);
                if (byCluster != null)
                {
                    return byCluster;
                }
            }
            final String byService = routes.get(service);
            if (byService != null)
            {
                return byService;
            }
        }
        return routes.get(DEFAULT_ROUTE);
    }

    /**
     * @param intInfo the request's TTHeader integer keys.
     * @return the routing keys of the request, for an error message.
     */
    public static String describeTarget(final Map<Integer, String> intInfo)
    {
        return "ToService=" + intInfo.get(IntInfoKey.TO_SERVICE.id()) +
            " ToCluster=" + intInfo.get(IntInfoKey.TO_CLUSTER.id()) +
            " DestAddress=" + intInfo.get(IntInfoKey.DEST_ADDRESS.id());
    }

    /**
     * @return the routes, key ({@code SERVICE[@CLUSTER]} or {@code *}) to {@code host:port}.
     */
    public Map<String, String> routes()
    {
        return routes;
    }

    @Override
    public String toString()
    {
        return "routes " + routes + (allowDestAddress ? ", DestAddress honoured" : "");
    }
}
