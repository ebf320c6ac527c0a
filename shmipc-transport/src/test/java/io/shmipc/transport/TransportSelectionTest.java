package io.shmipc.transport;

import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.Dialer;
import io.shmipc.transport.remote.Endpoint;
import io.shmipc.transport.remote.FrameWriter;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.tcp.TcpDialer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connect-time choice between shared memory and TCP, through the extension point the shared-memory transport
 * plugs into (a {@link Dialer} of kind SHM): the selection logic with stand-in dialers. {@link ShmFallbackTest}
 * drives the real shared-memory dialer into each fallback.
 */
@Timeout(60)
class TransportSelectionTest
{
    private static final int CALLS = 10;

    @TempDir
    Path dir;

    private RpcServer server;
    private final List<LogRecord> selectorLog = new CopyOnWriteArrayList<>();
    private final Logger selectorLogger = Logger.getLogger(TransportSelector.class.getName());
    private final Handler capture = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            selectorLog.add(record);
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

    @BeforeEach
    void start()
    {
        selectorLogger.addHandler(capture);
        server = RpcServer.start(ServerOptions.builder((ctx, request) -> request)
            .drainTimeout(Duration.ofSeconds(1)).build());
    }

    @AfterEach
    void stop()
    {
        selectorLogger.removeHandler(capture);
        server.close();
    }

    @Test
    void shouldFallBackToTcpAndLogTheReasonOnceWhenTheControlSocketIsMissing()
    {
        final Path socket = dir.resolve("nobody-listens.sock");
        final EnvironmentSuite env = EnvironmentSuite.of(new Properties(), Map.of("SHMIPC_ENABLE", "true",
            "SHMIPC_PATH", socket.toString(), "SHMIPC_FALLBACK_ADDR", server.tcpAddress()));
        try (RpcClient client = RpcClient.create(ClientOptions.builder().suite(env).connectionsPerAddress(2)
            .shmRetryInterval(Duration.ofMillis(1)).build()))
        {
            for (int i = 0; i < CALLS; i++)
            {
                final CallInfo info = client.call(Request.of("echo", new byte[] {(byte)i})).callInfo();
                assertEquals(TransportKind.TCP, info.transport());
                assertEquals(server.tcpAddress(), info.address());
                assertEquals("control socket " + socket + " does not exist", info.fallbackReason().orElseThrow());
            }
            assertEquals(CALLS, client.metrics().fallbacks());
            assertEquals(CALLS, client.metrics().calls(TransportKind.TCP));
        }
        final List<LogRecord> infos = selectorLog.stream().filter(r -> r.getLevel() == Level.INFO).toList();
        assertEquals(1, infos.size(), "exactly one INFO line: " + infos);
        final String line = java.text.MessageFormat.format(infos.get(0).getMessage(), infos.get(0).getParameters());
        assertTrue(line.contains("does not exist") && line.contains(server.tcpAddress()), line);
    }

    @Test
    void shouldUseTcpWithoutFallbackReasonWhenShmIsDisabled()
    {
        final EnvironmentSuite env = EnvironmentSuite.of(new Properties(), Map.of("SHMIPC_ENABLE", "false"));
        try (RpcClient client = RpcClient.create(ClientOptions.builder().suite(env).target(server.tcpAddress())
            .build()))
        {
            final CallInfo info = client.call(Request.of("echo", new byte[1])).callInfo();
            assertEquals(TransportKind.TCP, info.transport());
            assertTrue(info.fallbackReason().isEmpty());
            assertEquals(0, client.metrics().fallbacks());
        }
        assertTrue(selectorLog.isEmpty());
    }

    @Test
    void shouldPoolFallbackConnectionsUnderTheTcpAddressWhenShmHandshakeFails() throws Exception
    {
        final Path socket = Files.createFile(dir.resolve("shmipc.sock"));
        final FailingShmDialer shm = new FailingShmDialer("peer uid 4242 is not this process's uid");
        try (RpcClient client = RpcClient.create(shmClient(socket, shm)))
        {
            for (int i = 0; i < CALLS; i++)
            {
                final CallInfo info = client.call(Request.of("echo", new byte[1])).callInfo();
                assertEquals(TransportKind.TCP, info.transport());
                assertTrue(info.fallbackReason().orElseThrow().contains("peer uid 4242"), info.toString());
            }
            assertEquals(Set.of(new Endpoint(TransportKind.TCP, server.tcpAddress())), client.pooledEndpoints());
            assertEquals(1, shm.attempts, "a failed shm dial is not retried on every call");
        }
        assertEquals(1, selectorLog.stream().filter(r -> r.getLevel() == Level.INFO).count());
    }

    @Test
    void shouldUseShmWhenItsDialerConnects() throws Exception
    {
        final Path socket = Files.createFile(dir.resolve("shmipc.sock"));
        try (RpcClient client = RpcClient.create(shmClient(socket, new LoopbackShmDialer(server.tcpAddress()))))
        {
            final CallInfo info = client.call(Request.of("echo", new byte[1])).callInfo();
            assertEquals(TransportKind.SHM, info.transport());
            assertEquals(socket.toString(), info.address());
            assertTrue(info.fallbackReason().isEmpty());
            assertEquals(Set.of(new Endpoint(TransportKind.SHM, socket.toString())), client.pooledEndpoints());
            assertEquals(1, client.metrics().calls(TransportKind.SHM));
        }
        assertTrue(selectorLog.isEmpty());
    }

    private ClientOptions shmClient(final Path socket, final Dialer shmDialer)
    {
        final ClientOptions.Builder builder = ClientOptions.builder().target(server.tcpAddress()).dialer(shmDialer);
        builder.shm().enabled(true).path(socket.toString());
        return builder.build();
    }

    /**
     * Stands in for a shared-memory dialer whose handshake is refused.
     */
    private static final class FailingShmDialer implements Dialer
    {
        private final String why;
        private volatile int attempts;

        FailingShmDialer(final String why)
        {
            this.why = why;
        }

        @Override
        public TransportKind kind()
        {
            return TransportKind.SHM;
        }

        @Override
        public CompletableFuture<Connection> dial(final String address, final Duration timeout, final TransHandler h)
        {
            attempts++;
            return CompletableFuture.failedFuture(new ConnectFailedException("handshake with " + address +
                " refused: " + why, null));
        }

        @Override
        public void close()
        {
        }
    }

    /**
     * Stands in for a working shared-memory dialer: the frames really travel over TCP loopback, but the connection
     * reports itself as SHM, which is all the selection logic can see.
     */
    private static final class LoopbackShmDialer implements Dialer
    {
        private final String tcpAddress;
        private final TcpDialer tcp = new TcpDialer(1, true, 1 << 20);

        LoopbackShmDialer(final String tcpAddress)
        {
            this.tcpAddress = tcpAddress;
        }

        @Override
        public TransportKind kind()
        {
            return TransportKind.SHM;
        }

        @Override
        public CompletableFuture<Connection> dial(final String address, final Duration timeout, final TransHandler h)
        {
            return tcp.dial(tcpAddress, timeout, h).thenApply(c -> new ShmLookalike(c, address));
        }

        @Override
        public void close()
        {
            tcp.close();
        }
    }

    private static final class ShmLookalike implements Connection
    {
        private final Connection delegate;
        private final CallInfo callInfo;

        ShmLookalike(final Connection delegate, final String path)
        {
            this.delegate = delegate;
            this.callInfo = new CallInfo(TransportKind.SHM, path, null);
        }

        @Override
        public TransportKind kind()
        {
            return TransportKind.SHM;
        }

        @Override
        public String remoteAddress()
        {
            return callInfo.address();
        }

        @Override
        public CallInfo callInfo()
        {
            return callInfo;
        }

        @Override
        public boolean isActive()
        {
            return delegate.isActive();
        }

        @Override
        public CompletableFuture<Void> writeFrame(final int frameLength, final FrameWriter writer)
        {
            return delegate.writeFrame(frameLength, writer);
        }

        @Override
        public CompletableFuture<Void> closeFuture()
        {
            return delegate.closeFuture();
        }

        @Override
        public void close()
        {
            delegate.close();
        }
    }
}
