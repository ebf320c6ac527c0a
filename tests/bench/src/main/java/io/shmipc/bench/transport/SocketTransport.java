package io.shmipc.bench.transport;

import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A transport over blocking JDK stream sockets: one connection per stream, one server thread per connection.
 * Subclasses say how to listen and connect.
 */
abstract class SocketTransport implements BenchTransport
{
    /**
     * @return a bound, listening server channel.
     * @throws IOException when binding fails.
     */
    abstract ServerSocketChannel openServerChannel() throws IOException;

    /**
     * @param server the channel from {@link #openServerChannel()}.
     * @return the endpoint clients pass to {@link #openClientChannel}.
     * @throws IOException when the address cannot be read.
     */
    abstract String endpointOf(ServerSocketChannel server) throws IOException;

    /**
     * @param endpoint a server endpoint.
     * @return a connected blocking client channel, options set.
     * @throws IOException when connecting fails.
     */
    abstract SocketChannel openClientChannel(String endpoint) throws IOException;

    /**
     * Sets per-connection options on an accepted channel; nothing by default.
     *
     * @param channel the accepted channel.
     * @throws IOException when an option cannot be set.
     */
    void configureAccepted(final SocketChannel channel) throws IOException
    {
    }

    /**
     * Removes what the server left behind (a socket file); nothing by default.
     *
     * @param endpoint the server's endpoint.
     */
    void cleanUp(final String endpoint)
    {
    }

    @Override
    public String unavailableReason()
    {
        return null;
    }

    @Override
    public boolean supports(final Scenario scenario)
    {
        return true;
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
        throws IOException
    {
        return SocketServer.start(this, settings, handlers);
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint) throws IOException
    {
        return new SocketClient(this, settings, endpoint);
    }
}
