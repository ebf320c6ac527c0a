package io.shmipc.transport.tcp;

import java.net.InetSocketAddress;

/**
 * Parses {@code host:port} and {@code [ipv6]:port} addresses.
 */
public final class TcpAddresses
{
    private static final int MAX_PORT = 0xFFFF;

    private TcpAddresses()
    {
    }

    /**
     * @param address {@code host:port} or {@code [ipv6]:port}.
     * @return the socket address (host resolved).
     * @throws IllegalArgumentException when the text is not an address.
     */
    public static InetSocketAddress parse(final String address)
    {
        final int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1)
        {
            throw new IllegalArgumentException("'" + address + "' is not a TCP address (host:port)");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(address.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + address + "' has no numeric port");
        }
        if (port < 0 || port > MAX_PORT)
        {
            throw new IllegalArgumentException("'" + address + "' has port " + port + " outside 0..65535");
        }
        return new InetSocketAddress(host, port);
    }

    /**
     * @param address a socket address.
     * @return it as {@code host:port} with the numeric host.
     */
    public static String format(final InetSocketAddress address)
    {
        final String host = address.getAddress() != null ? address.getAddress().getHostAddress() :
            address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
