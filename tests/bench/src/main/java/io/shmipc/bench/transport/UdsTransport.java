package io.shmipc.bench.transport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unix domain stream sockets through the JDK's own {@code SocketChannel}, blocking. The endpoint is the socket path,
 * under the temporary directory, removed when the server closes.
 */
public final class UdsTransport extends SocketTransport
{
    /** Name on the command line. */
    public static final String NAME = "uds";

    private static final AtomicInteger SERVERS = new AtomicInteger();

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    ServerSocketChannel openServerChannel() throws IOException
    {
        final Path path = Path.of(System.getProperty("java.io.tmpdir"),
            "shmipc-bench-uds-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet() + ".sock");
        Files.deleteIfExists(path);
        final ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(path));
        return channel;
    }

    @Override
    String endpointOf(final ServerSocketChannel server) throws IOException
    {
        return ((UnixDomainSocketAddress)server.getLocalAddress()).getPath().toString();
    }

    @Override
    SocketChannel openClientChannel(final String endpoint) throws IOException
    {
        return SocketChannel.open(UnixDomainSocketAddress.of(endpoint));
    }

    @Override
    void cleanUp(final String endpoint)
    {
        try
        {
            Files.deleteIfExists(Path.of(endpoint));
        }
        catch (final IOException e)
        {
            System.err.println("uds server: cannot remove " + endpoint + ": " + e.getMessage());
        }
    }
}
