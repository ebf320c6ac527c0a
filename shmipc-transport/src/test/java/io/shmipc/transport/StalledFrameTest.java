package io.shmipc.transport;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.codec.ThriftMessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that begins a frame and stalls is cut off after the frame read timeout, over TCP and over shared memory;
 * idle connections, and frames that arrive slowly but in time, are left alone, and everyone else keeps being served.
 */
@Timeout(60)
class StalledFrameTest
{
    private static final Duration FRAME_READ_TIMEOUT = Duration.ofMillis(300);
    /** Comfortably longer than the frame read timeout: what must not be closed stays open this long. */
    private static final int IDLE_MILLIS = 1_000;
    private static final int READ_TIMEOUT_MILLIS = 10_000;
    /** A slow frame's pieces must all be written this long before its timeout for the attempt to count. */
    private static final long SLOW_FRAME_MARGIN_MILLIS = 100;
    private static final int SLOW_FRAME_ATTEMPTS = 3;

    @TempDir
    Path dir;

    private RpcServer server;
    private RpcClient goodClient;

    @BeforeEach
    void start()
    {
        start(false);
    }

    /** Restarts the server, with a handler declared non-blocking or not (shm is then served event-driven). */
    private void restart(final boolean nonBlockingHandler)
    {
        stop();
        start(nonBlockingHandler);
    }

    private void start(final boolean nonBlockingHandler)
    {
        final ServerOptions.Builder builder = ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .frameReadTimeout(FRAME_READ_TIMEOUT)
            .nonBlockingHandler(nonBlockingHandler)
            .drainTimeout(Duration.ofSeconds(1));
        builder.shm().enabled(true).path(socket().toString());
        server = RpcServer.start(builder.build());
        final ClientOptions.Builder client = ClientOptions.builder().target(server.tcpAddress())
            .callTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(10));
        client.shm().enabled(true).path(socket().toString());
        goodClient = RpcClient.create(client.build());
    }

    @AfterEach
    void stop()
    {
        goodClient.close();
        server.close();
    }

    @Test
    void shouldCloseTcpConnectionWhenPeerStallsMidFrame() throws Exception
    {
        assertGoodCallWorks(1);
        final byte[] frame = frame(4096);
        try (Socket peer = connect())
        {
            peer.getOutputStream().write(frame, 0, frame.length / 2);
            peer.getOutputStream().flush();
            final long start = System.nanoTime();
            assertTrue(closedByServer(peer.getInputStream()), "server must close the stalled connection");
            final long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= FRAME_READ_TIMEOUT.toMillis() - 50, "closed after " + millis + " ms");
        }
        RpcTest.waitUntil(() -> server.metrics().stalledFrames() == 1);
        assertGoodCallWorks(2);
        RpcTest.waitUntil(() -> server.connectionCount() == 1);
    }

    @Test
    void shouldCloseTcpConnectionWhenPeerStallsInsideTheFramePrefix() throws Exception
    {
        try (Socket peer = connect())
        {
            peer.getOutputStream().write(frame(16), 0, 3);
            peer.getOutputStream().flush();
            assertTrue(closedByServer(peer.getInputStream()), "server must close the stalled connection");
        }
        RpcTest.waitUntil(() -> server.metrics().stalledFrames() == 1);
    }

    @Test
    void shouldKeepIdleTcpConnectionsAndServeFramesThatArriveSlowlyButInTime() throws Exception
    {
        try (Socket idle = connect())
        {
            idle.setSoTimeout(IDLE_MILLIS);
            assertThrows(SocketTimeoutException.class, () -> idle.getInputStream().read(),
                "a connection with no partial frame is not closed");
        }
        // An attempt whose pieces this thread could not write in time (a stall on a loaded machine) proves nothing
        // either way: the server may rightly have cut it. Another connection tries again.
        int late = 0;
        while (!slowFramesServedInTime())
        {
            late++;
            assertTrue(late < SLOW_FRAME_ATTEMPTS, "could not write a frame's pieces within "
                + (FRAME_READ_TIMEOUT.toMillis() - SLOW_FRAME_MARGIN_MILLIS) + " ms in " + late + " attempts");
        }
        assertTrue(server.metrics().stalledFrames() <= late, "only late attempts may count as stalled: "
            + server.metrics().stalledFrames() + " stalled, " + late + " late");
        assertGoodCallWorks(3);
    }

    /**
     * On a new connection: two whole frames back to back, then one in three pieces, each within the timeout of its
     * own frame; all three must be answered.
     *
     * @return {@code false} when this thread took too long between the first and the last piece for the attempt to
     * count (nothing is checked then), {@code true} once all three replies came.
     */
    private boolean slowFramesServedInTime() throws Exception
    {
        try (Socket slow = connect())
        {
            final OutputStream out = slow.getOutputStream();
            final byte[] first = frame(100);
            final byte[] second = frame(200);
            final byte[] both = Arrays.copyOf(first, first.length + second.length);
            System.arraycopy(second, 0, both, first.length, second.length);
            out.write(both);
            out.flush();
            final byte[] third = frame(3000);
            final int piece = third.length / 3;
            long firstPieceAt = 0;
            for (int i = 0; i < 3; i++)
            {
                Thread.sleep(FRAME_READ_TIMEOUT.toMillis() / 5);
                if (i == 0)
                {
                    firstPieceAt = System.nanoTime();
                }
                out.write(third, i * piece, i == 2 ? third.length - 2 * piece : piece);
                out.flush();
            }
            final long spanMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstPieceAt);
            if (spanMillis > FRAME_READ_TIMEOUT.toMillis() - SLOW_FRAME_MARGIN_MILLIS)
            {
                return false;
            }
            final DataInputStream in = new DataInputStream(slow.getInputStream());
            for (int reply = 0; reply < 3; reply++)
            {
                final int length = in.readInt();
                in.skipNBytes(length);
            }
            return true;
        }
    }

    @ParameterizedTest(name = "non-blocking handler: {0}")
    @ValueSource(booleans = {false, true})
    void shouldCloseShmStreamWhenPeerStallsMidFrame(final boolean nonBlockingHandler) throws Exception
    {
        restart(nonBlockingHandler);
        assertGoodCallWorks(1);
        try (Session session = Session.connect(socket(), SessionConfig.defaults()))
        {
            final io.shmipc.core.Stream peer = session.openStream();
            peer.readTimeout(Duration.ofMillis(READ_TIMEOUT_MILLIS));
            final byte[] frame = frame(4096);
            peer.write(frame, 0, frame.length / 2);
            assertEquals(-1, peer.read(new byte[1], 0, 1), "server must close the stalled stream");
            assertFalse(session.isClosed(), "only the stream is closed, not the whole session");
        }
        RpcTest.waitUntil(() -> server.metrics().stalledFrames() == 1);
        assertGoodCallWorks(2);
        RpcTest.waitUntil(() -> server.connectionCount() == 1);
    }

    @ParameterizedTest(name = "non-blocking handler: {0}")
    @ValueSource(booleans = {false, true})
    void shouldKeepIdleShmStream(final boolean nonBlockingHandler) throws Exception
    {
        restart(nonBlockingHandler);
        try (Session session = Session.connect(socket(), SessionConfig.defaults()))
        {
            final io.shmipc.core.Stream peer = session.openStream();
            final byte[] frame = frame(64);
            peer.write(frame, 0, frame.length);
            final DataInputStream reply = new DataInputStream(new StreamInput(peer));
            reply.skipNBytes(reply.readInt());

            peer.readTimeout(Duration.ofMillis(IDLE_MILLIS));
            assertThrows(ShmTimeoutException.class, () -> peer.read(new byte[1], 0, 1),
                "a stream with no partial frame is not closed");
            assertTrue(peer.isOpen());
        }
        assertEquals(0, server.metrics().stalledFrames());
    }

    @Test
    void shouldFailAnAsynchronousShmCallWhenTheServerStallsMidReply() throws Exception
    {
        final Path stalling = dir.resolve("stalling.sock");
        final byte[] reply = frame(4096);
        final CountDownLatch answered = new CountDownLatch(1);
        try (ShmServer fake = ShmServer.start(stalling, SessionConfig.defaults(), stream ->
        {
            try
            {
                stream.read(new byte[1], 0, 1);
                stream.write(reply, 0, reply.length / 2);
                answered.countDown();
            }
            catch (final ShmIpcException ex)
            {
                // the client went away: nothing to stall for
            }
        }))
        {
            final ClientOptions.Builder options = ClientOptions.builder().target(server.tcpAddress())
                .callTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(10))
                .frameReadTimeout(FRAME_READ_TIMEOUT);
            options.shm().enabled(true).path(stalling.toString());
            try (RpcClient client = RpcClient.create(options.build()))
            {
                final long start = System.nanoTime();
                final CompletableFuture<Response> call = client.callAsync(Request.of("x", new byte[10]));
                assertTrue(answered.await(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
                final ExecutionException ex = assertThrows(ExecutionException.class,
                    () -> call.get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
                final long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ex.getCause() instanceof ConnectionClosedException, String.valueOf(ex.getCause()));
                assertTrue(millis >= FRAME_READ_TIMEOUT.toMillis() - 50 && millis < READ_TIMEOUT_MILLIS,
                    "failed after " + millis + " ms");
                assertEquals(1, client.metrics().stalledFrames());
            }
        }
    }

    private void assertGoodCallWorks(final long seed)
    {
        final UnsafeBuffer request = ChecksumEcho.request(new Random(seed), 10_000);
        final Response response = goodClient.call(Request.of(ChecksumEcho.METHOD, request));
        assertTrue(ChecksumEcho.verify(request, response.payload()));
    }

    /**
     * @return a whole TTHeader-framed echo call with a checksummed payload of {@code payloadBytes}.
     */
    private static byte[] frame(final int payloadBytes)
    {
        final UnsafeBuffer payload = ChecksumEcho.request(new Random(payloadBytes), payloadBytes);
        final RpcFrame frame = new RpcFrame().format(FrameFormat.TTHEADER_FRAMED).messageType(ThriftMessageType.CALL)
            .method(ChecksumEcho.METHOD).seqId(payloadBytes).body(payload, 0, payload.capacity());
        final byte[] bytes = new byte[RpcFrameCodec.encodedLength(frame)];
        RpcFrameCodec.encode(frame, new UnsafeBuffer(bytes), 0);
        return bytes;
    }

    private Socket connect() throws Exception
    {
        final Socket socket = new Socket();
        socket.connect((InetSocketAddress)server.boundAddress(TransportKind.TCP), READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        return socket;
    }

    private Path socket()
    {
        return dir.resolve("stall.sock");
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

    /**
     * A shared-memory stream read as an {@link InputStream}.
     */
    private static final class StreamInput extends InputStream
    {
        private final io.shmipc.core.Stream stream;

        StreamInput(final io.shmipc.core.Stream stream)
        {
            this.stream = stream;
        }

        @Override
        public int read() throws java.io.IOException
        {
            final byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(final byte[] dst, final int offset, final int length) throws java.io.IOException
        {
            try
            {
                return stream.read(dst, offset, length);
            }
            catch (final io.shmipc.core.ShmIpcException ex)
            {
                throw new java.io.IOException(ex);
            }
        }
    }
}
