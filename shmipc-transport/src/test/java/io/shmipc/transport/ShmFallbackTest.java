package io.shmipc.transport;

import io.shmipc.core.ShmServer;
import io.shmipc.transport.remote.Endpoint;
import io.shmipc.transport.remote.InboundHandler;
import io.shmipc.transport.remote.OutboundHandler;
import io.shmipc.transport.remote.RpcMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real shared-memory dialer against a real server, a fake one, and a server that refuses our uid: shared memory
 * when everything succeeds, otherwise TCP with the reason, logged once, pooled under the TCP address.
 */
@Timeout(60)
class ShmFallbackTest
{
    private static final int CALLS = 5;
    private static final int OTHER_UID = 4242;

    @TempDir
    Path dir;

    private final List<LogRecord> log = new CopyOnWriteArrayList<>();
    private final Logger selectorLogger = Logger.getLogger(TransportSelector.class.getName());
    private final Logger coreServerLogger = Logger.getLogger(ShmServer.class.getName());
    private final Handler capture = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            log.add(record);
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };
    private RpcServer server;

    @BeforeEach
    void captureLogs()
    {
        selectorLogger.addHandler(capture);
        coreServerLogger.addHandler(capture);
    }

    @AfterEach
    void stop()
    {
        selectorLogger.removeHandler(capture);
        coreServerLogger.removeHandler(capture);
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void shouldUseShmAndRecordThePathInCallInfoMetricsAndPipelineHandlers()
    {
        final List<CallInfo> serverSaw = new CopyOnWriteArrayList<>();
        server = startServer(socket(), b -> b.inboundHandler(new InboundHandler()
        {
            @Override
            public void onMessage(final io.shmipc.transport.remote.Connection c, final RpcMessage message)
            {
                serverSaw.add(message.callInfo());
            }
        }));
        final List<CallInfo> clientSaw = new CopyOnWriteArrayList<>();
        final OutboundHandler interceptor = (connection, message) -> clientSaw.add(message.callInfo());
        try (RpcClient client = RpcClient.create(envClient(socket()).outboundHandler(interceptor).build()))
        {
            for (int i = 0; i < CALLS; i++)
            {
                final CallInfo info = client.call(Request.of("echo", new byte[] {(byte)i})).callInfo();
                assertEquals(TransportKind.SHM, info.transport());
                assertEquals(socket().toString(), info.address());
                assertTrue(info.fallbackReason().isEmpty());
            }
            assertEquals(CALLS, client.metrics().calls(TransportKind.SHM));
            assertEquals(0, client.metrics().calls(TransportKind.TCP));
            assertEquals(0, client.metrics().fallbacks());
            assertEquals(Set.of(new Endpoint(TransportKind.SHM, socket().toString())), client.pooledEndpoints());
        }
        assertEquals(CALLS, server.metrics().calls(TransportKind.SHM));
        assertTrue(clientSaw.stream().allMatch(info -> info.transport() == TransportKind.SHM), clientSaw.toString());
        assertTrue(serverSaw.stream().allMatch(info -> info.transport() == TransportKind.SHM), serverSaw.toString());
        assertEquals(CALLS, serverSaw.size());
        assertTrue(fallbackLines().isEmpty(), fallbackLines().toString());
    }

    @Test
    void shouldFallBackWhenTheHandshakeIsAnsweredWithGarbage() throws Exception
    {
        server = startServer(null, b -> { });
        final Path fake = dir.resolve("garbage.sock");
        try (FakePeer peer = FakePeer.listen(fake, "HTTP/1.1 400 Bad Request\r\n\r\n"))
        {
            final String reason = assertFallsBack(envClient(fake), fake);
            assertTrue(reason.startsWith("shm connect to " + fake + " failed: "), reason);
            assertTrue(peer.accepted() >= 1);
        }
    }

    @Test
    void shouldFallBackWhenTheServerClosesDuringTheHandshake() throws Exception
    {
        server = startServer(null, b -> { });
        final Path fake = dir.resolve("closing.sock");
        try (FakePeer peer = FakePeer.listen(fake, null))
        {
            final String reason = assertFallsBack(envClient(fake), fake);
            assertTrue(reason.contains("closed the connection during the handshake"), reason);
            assertTrue(peer.accepted() >= 1);
        }
    }

    @Test
    void shouldFallBackWhenTheServerRefusesOurUid()
    {
        server = startServer(socket(), b -> b.shmSession(s -> s.allowOwnUid(false).allowedPeerUids(OTHER_UID)));
        final String reason = assertFallsBack(envClient(socket()), socket());
        assertTrue(reason.startsWith("shm connect to " + socket() + " failed: "), reason);
        final List<String> refusals = log.stream().filter(r -> r.getLoggerName().equals(ShmServer.class.getName()))
            .map(LogRecord::getMessage).filter(m -> m.contains("refused")).toList();
        assertTrue(refusals.stream().anyMatch(m -> m.contains("runs as uid") && m.contains("not allowed")),
            refusals.toString());
    }

    @Test
    void shouldFallBackWhenWeRefuseTheServersUid()
    {
        server = startServer(socket(), b -> { });
        final String reason = assertFallsBack(envClient(socket())
            .shmSession(s -> s.allowOwnUid(false).allowedPeerUids(OTHER_UID)), socket());
        assertTrue(reason.contains("runs as uid") && reason.contains("which is not allowed"), reason);
    }

    /**
     * Calls go over TCP with the reason, the fallback connection is pooled under the TCP address, and the reason is
     * logged once.
     *
     * @return the reason.
     */
    private String assertFallsBack(final ClientOptions.Builder builder, final Path socket)
    {
        String reason = null;
        try (RpcClient client = RpcClient.create(builder.build()))
        {
            for (int i = 0; i < CALLS; i++)
            {
                final CallInfo info = client.call(Request.of("echo", new byte[] {(byte)i})).callInfo();
                assertEquals(TransportKind.TCP, info.transport());
                assertEquals(server.tcpAddress(), info.address());
                reason = info.fallbackReason().orElseThrow();
            }
            assertEquals(CALLS, client.metrics().fallbacks());
            assertEquals(CALLS, client.metrics().calls(TransportKind.TCP));
            assertEquals(Set.of(new Endpoint(TransportKind.TCP, server.tcpAddress())), client.pooledEndpoints());
        }
        final List<String> lines = fallbackLines();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(reason), lines.get(0));
        assertTrue(reason.contains(socket.toString()), reason);
        return reason;
    }

    private List<String> fallbackLines()
    {
        return log.stream()
            .filter(r -> r.getLoggerName().equals(TransportSelector.class.getName()) && r.getLevel() == Level.INFO)
            .map(r -> MessageFormat.format(r.getMessage(), r.getParameters())).toList();
    }

    private Path socket()
    {
        return dir.resolve("server.sock");
    }

    private RpcServer startServer(final Path shmSocket, final Consumer<ServerOptions.Builder> adjust)
    {
        final ServerOptions.Builder builder = ServerOptions.builder((ctx, request) -> request)
            .drainTimeout(Duration.ofSeconds(1));
        if (shmSocket != null)
        {
            builder.shm().enabled(true).path(shmSocket.toString());
        }
        adjust.accept(builder);
        return RpcServer.start(builder.build());
    }

    private ClientOptions.Builder envClient(final Path socket)
    {
        // Every fallback here is a refusal or a hang-up, quick at any timeout; a long one keeps a handshake held up
        // on a loaded machine from passing for a fallback in the test that expects shared memory.
        return ClientOptions.builder().connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(10))
            .suite(EnvironmentSuite.of(new Properties(), Map.of("SHMIPC_ENABLE", "1", "SHMIPC_PATH", socket.toString(),
                "SHMIPC_FALLBACK_ADDR", server.tcpAddress())));
    }

    /**
     * A Unix socket server that is not a ShmIPC server: it accepts, reads what the client sends first, answers with
     * {@code reply} (or nothing) and closes.
     */
    private static final class FakePeer implements AutoCloseable
    {
        private final ServerSocketChannel listener;
        private final CompletableFuture<Void> loop;
        private volatile int accepted;

        private FakePeer(final ServerSocketChannel listener, final String reply)
        {
            this.listener = listener;
            this.loop = CompletableFuture.runAsync(() -> serve(reply));
        }

        static FakePeer listen(final Path path, final String reply) throws IOException
        {
            final ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(path));
            return new FakePeer(listener, reply);
        }

        private void serve(final String reply)
        {
            while (listener.isOpen())
            {
                try (SocketChannel peer = listener.accept())
                {
                    accepted++;
                    peer.read(ByteBuffer.allocate(64));
                    if (reply != null)
                    {
                        peer.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.US_ASCII)));
                    }
                }
                catch (final IOException ex)
                {
                    return;
                }
            }
        }

        int accepted()
        {
            return accepted;
        }

        @Override
        public void close() throws Exception
        {
            listener.close();
            loop.get(10, TimeUnit.SECONDS);
        }
    }
}
