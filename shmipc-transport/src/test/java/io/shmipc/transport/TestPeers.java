package io.shmipc.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Servers and clients for tests that make the same calls over shared memory and over TCP: one control socket in the
 * test's directory, generous timeouts, and everything made closed again, last made first.
 */
final class TestPeers implements AutoCloseable
{
    /** Call and connect timeout of the clients made here. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path socket;
    private final List<AutoCloseable> made = new ArrayList<>();

    /**
     * @param dir the test's temporary directory; the control socket goes there.
     */
    TestPeers(final Path dir)
    {
        this.socket = dir.resolve("rpc.sock");
    }

    /**
     * @return the server built from {@code options}, listening on shared memory too for {@link TransportKind#SHM}.
     */
    RpcServer start(final TransportKind kind, final ServerOptions.Builder options)
    {
        if (kind == TransportKind.SHM)
        {
            options.shm().enabled(true).path(socket.toString());
        }
        return keep(RpcServer.start(options.build()));
    }

    /**
     * @return a client of {@code server} with one connection, over shared memory for {@link TransportKind#SHM}.
     */
    RpcClient client(final TransportKind kind, final RpcServer server)
    {
        final ClientOptions.Builder options = ClientOptions.builder()
            .target(server.tcpAddress())
            .connectionsPerAddress(1)
            .callTimeout(TIMEOUT)
            // Not the 1 s default: a handshake held up on a loaded machine would quietly fall back to TCP.
            .connectTimeout(TIMEOUT);
        if (kind == TransportKind.SHM)
        {
            options.shm().enabled(true).path(socket.toString());
        }
        return keep(RpcClient.create(options.build()));
    }

    /**
     * @return {@code closeable}, to be closed with the rest.
     */
    <T extends AutoCloseable> T keep(final T closeable)
    {
        made.add(closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception
    {
        for (int i = made.size() - 1; i >= 0; i--)
        {
            made.get(i).close();
        }
        made.clear();
    }
}
