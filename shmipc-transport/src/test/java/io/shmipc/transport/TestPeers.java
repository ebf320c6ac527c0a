package io.shmipc.transport;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Servers and clients for tests that make the same calls over shared memory and over TCP: one control socket in a
 * directory of its own, generous timeouts, and everything made closed again after each test, last made first.
 * Registered as a JUnit extension: {@code @RegisterExtension final TestPeers peers = new TestPeers();}.
 */
final class TestPeers implements AfterEachCallback
{
    /** Call and connect timeout of the clients made here. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<AutoCloseable> made = new ArrayList<>();
    private Path dir;

    private Path socket()
    {
        try
        {
            if (dir == null)
            {
                dir = Files.createTempDirectory("shmipc-peers-");
            }
            return dir.resolve("rpc.sock");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the server built from {@code options}, listening on shared memory too for {@link TransportKind#SHM}.
     */
    RpcServer start(final TransportKind kind, final ServerOptions.Builder options)
    {
        if (kind == TransportKind.SHM)
        {
            options.shm().enabled(true).path(socket().toString());
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
            options.shm().enabled(true).path(socket().toString());
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
    public void afterEach(final ExtensionContext context) throws Exception
    {
        for (int i = made.size() - 1; i >= 0; i--)
        {
            made.get(i).close();
        }
        made.clear();
        if (dir != null)
        {
            Files.deleteIfExists(dir.resolve("rpc.sock"));
            Files.deleteIfExists(dir);
            dir = null;
        }
    }
}
