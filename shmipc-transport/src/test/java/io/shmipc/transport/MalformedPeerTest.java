package io.shmipc.transport;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A raw peer sends garbage, over a TCP socket or on a shared-memory stream of its own: the server must close that
 * connection and keep serving everyone else (here a good client on shared memory, so that the bad stream shares the
 * server's shared-memory transport with it).
 */
@Timeout(60)
class MalformedPeerTest
{
    private static final int MAX_FRAME_SIZE = 64 * 1024;
    private static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final String[] MALFORMED_FRAMES = {
        // an HTTP request: no frame kind matches
        "474554202f20485454502f312e310d0a0d0a",
        // TTHeader whose LENGTH exceeds the maximum frame size
        "00ffffff 1000 0000 00000001 0001 0000 0000",
        // TTHeader whose header size points past the frame end
        "00000012 1000 0000 00000001 0009 0000 0000 cafebabe",
        // TTHeader with an unknown info id 0x7f
        "00000016 1000 0000 00000001 0002 0000 7f0000000000 80010001",
        // unframed Thrift binary
        "80010001 00000004 70696e67 00000007 00"
    };

    @TempDir
    Path dir;

    private RpcServer server;
    private RpcClient goodClient;

    @BeforeEach
    void start()
    {
        final ServerOptions.Builder builder = ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .maxFrameSize(MAX_FRAME_SIZE).drainTimeout(Duration.ofSeconds(1));
        builder.shm().enabled(true).path(socket().toString());
        server = RpcServer.start(builder.build());
        // Not the 1 s default connect timeout: a handshake held up on a loaded machine would fall back to TCP.
        final ClientOptions.Builder client = ClientOptions.builder().target(server.tcpAddress())
            .connectTimeout(Duration.ofSeconds(10));
        client.shm().enabled(true).path(socket().toString());
        goodClient = RpcClient.create(client.build());
    }

    static Stream<String> malformedFrames()
    {
        return Stream.of(MALFORMED_FRAMES);
    }

    private Path socket()
    {
        return dir.resolve("malformed.sock");
    }

    @AfterEach
    void stop()
    {
        goodClient.close();
        server.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFrames")
    void shouldCloseOnlyTheOffendingConnectionWhenAPeerSendsAMalformedFrame(final String frameHex) throws Exception
    {
        // A good call first, so the good client's connection exists before the bad peer arrives.
        assertGoodCallWorks(1);

        try (Socket peer = new Socket())
        {
            final InetSocketAddress address = (InetSocketAddress)server.boundAddress(TransportKind.TCP);
            peer.connect(address, READ_TIMEOUT_MILLIS);
            peer.setSoTimeout(READ_TIMEOUT_MILLIS);
            final OutputStream out = peer.getOutputStream();
            out.write(HexFormat.of().parseHex(frameHex.replace(" ", "")));
            out.flush();
            assertTrue(closedByServer(peer.getInputStream()), "server must close the malformed connection");
        }

        RpcTest.waitUntil(() -> server.metrics().malformedFrames() == 1);
        assertGoodCallWorks(2);
        // The closed channel leaves the server's set once Netty has closed it, a moment after the peer saw it.
        RpcTest.waitUntil(() -> server.connectionCount() == 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFrames")
    void shouldCloseOnlyTheOffendingStreamWhenAShmPeerSendsAMalformedFrame(final String frameHex) throws Exception
    {
        assertGoodCallWorks(1);

        try (Session session = Session.connect(socket(), SessionConfig.defaults()))
        {
            final io.shmipc.core.Stream peer = session.openStream();
            peer.readTimeout(Duration.ofMillis(READ_TIMEOUT_MILLIS));
            final byte[] frame = HexFormat.of().parseHex(frameHex.replace(" ", ""));
            peer.write(frame, 0, frame.length);
            assertEquals(-1, peer.read(new byte[1], 0, 1), "server must close the malformed stream");
            assertTrue(peer.isRemoteClosed());
            assertFalse(session.isClosed(), "only the stream is closed, not the whole session");
        }

        RpcTest.waitUntil(() -> server.metrics().malformedFrames() == 1);
        assertGoodCallWorks(2);
        RpcTest.waitUntil(() -> server.connectionCount() == 1);
    }

    private void assertGoodCallWorks(final long seed)
    {
        final UnsafeBuffer request = ChecksumEcho.request(new Random(seed), 10_000);
        final Response response = goodClient.call(Request.of(ChecksumEcho.METHOD, request));
        assertTrue(ChecksumEcho.verify(request, response.payload()));
        assertEquals(TransportKind.SHM, response.callInfo().transport());
    }

    private static boolean closedByServer(final InputStream in) throws Exception
    {
        try
        {
            return in.read() == -1;
        }
        catch (final SocketException ex)
        {
            return true; // reset: also a close
        }
    }
}
