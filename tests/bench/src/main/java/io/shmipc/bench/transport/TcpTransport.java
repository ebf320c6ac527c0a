package io.shmipc.bench.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Loopback TCP, blocking, {@code TCP_NODELAY} on both ends. The endpoint is {@code 127.0.0.1:port}.
 */
public final class TcpTransport extends SocketTransport
{
    /** Name on the command line. */
    public static final String NAME = "tcp";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    ServerSocketChannel openServerChannel() throws IOException
    {
        final ServerSocketChannel channel = ServerSocketChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return channel;
    }

    @Override
    String endpointOf(final ServerSocketChannel server) throws IOException
    {
        final InetSocketAddress address = (InetSocketAddress)server.getLocalAddress();
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    @Override
    SocketChannel openClientChannel(final String endpoint) throws IOException
    {
        final int colon = endpoint.lastIndexOf(':');
        if (colon < 0)
        {
            throw new IOException("tcp endpoint '" + endpoint + "' is not host:port");
        }
        final InetSocketAddress address = new InetSocketAddress(
            InetAddress.getByName(endpoint.substring(0, colon)), Integer.parseInt(endpoint.substring(colon + 1)));
        final SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return channel;
    }

    @Override
    void configureAccepted(final SocketChannel channel) throws IOException
    {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
}
