package io.shmipc.core;

import io.shmipc.core.buffer.SliceClass;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stream half-close between two shmipc-java peers in one JVM, over a real Unix socket and real shared memory. */
class HalfCloseTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final long WAIT_SECONDS = 10;

    @TempDir
    Path dir;
    private ShmServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private SessionConfig config(final MemoryType type) {
        return SessionConfig.builder().memoryType(type).filePrefix(dir.resolve("shm").toString()).build();
    }

    /** Reads the whole request until the client shut its output, answers with its length and sum, shuts too. */
    private static StreamHandler summingServer(final CompletableFuture<Stream> served) {
        return summingServer(served, new CountDownLatch(0));
    }

    /** As {@link #summingServer(CompletableFuture)}, answering only once {@code answer} is open. */
    private static StreamHandler summingServer(final CompletableFuture<Stream> served, final CountDownLatch answer) {
        return stream -> {
            try {
                stream.readTimeout(READ_TIMEOUT);
                final byte[] request = readToEnd(stream);
                if (!answer.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the server answer");
                }
                final byte[] reply = summary(request);
                stream.write(reply, 0, reply.length);
                stream.shutdownOutput();
                served.complete(stream);
            } catch (final ShmIpcException | RuntimeException e) {
                served.completeExceptionally(e);
                stream.close();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                served.completeExceptionally(e);
                stream.close();
            }
        };
    }

    static byte[] readToEnd(final Stream stream) throws ShmIpcException {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = stream.read(buffer, 0, buffer.length)) >= 0) {
            all.write(buffer, 0, n);
        }
        return all.toByteArray();
    }

    static byte[] summary(final byte[] data) {
        long sum = 0;
        for (final byte b : data) {
            sum += b & 0xFF;
        }
        return (data.length + " bytes, sum " + sum).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldDeliverTheReplyAfterTheClientShutItsOutput(final MemoryType type) throws Exception {
        final CompletableFuture<Stream> served = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("sum.sock"), config(type), summingServer(served));
        try (Session session = Session.connect(dir.resolve("sum.sock"), config(type))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            final byte[] request = new byte[300_000];
            new Random(1).nextBytes(request);
            for (int offset = 0; offset < request.length; offset += 100_000) {
                stream.write(request, offset, 100_000);
            }
            stream.shutdownOutput();
            assertTrue(stream.isOutputShutdown());
            assertFalse(stream.isOpen(), "a half-closed stream is no longer open both ways");

            assertArrayEquals(summary(request), readToEnd(stream), "the reply arrives after our end");
            assertTrue(stream.isPeerOutputShutdown());
            served.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(session.supportsHalfClose());
        }
    }

    @Test
    void shouldRefuseWritesAfterTheOutputWasShutButKeepReading() throws Exception {
        final CompletableFuture<Stream> served = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("refuse.sock"), config(MemoryType.MEMFD), summingServer(served));
        try (Session session = Session.connect(dir.resolve("refuse.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            stream.write(new byte[] {1, 2, 3}, 0, 3);
            stream.shutdownOutput();
            stream.shutdownOutput();

            final StreamClosedException refused = assertThrows(StreamClosedException.class,
                () -> stream.write(new byte[] {4}, 0, 1));
            assertTrue(refused.getMessage().contains("output shut down"), refused.getMessage());
            assertThrows(StreamClosedException.class, () -> stream.writer().reserve(8));
            assertArrayEquals(summary(new byte[] {1, 2, 3}), readToEnd(stream));
        }
    }

    @Test
    void shouldRefuseToShutDownWithUnflushedBytesAndSendNothing() throws Exception {
        final CompletableFuture<Stream> served = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("pending.sock"), config(MemoryType.MEMFD), summingServer(served));
        try (Session session = Session.connect(dir.resolve("pending.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            stream.writer().write(new byte[] {7, 7}, 0, 2);
            final IllegalStateException e = assertThrows(IllegalStateException.class, stream::shutdownOutput);
            assertTrue(e.getMessage().contains("2 bytes written and not flushed"), e.getMessage());
            assertFalse(stream.isOutputShutdown());

            stream.writer().flush();
            stream.shutdownOutput();
            assertArrayEquals(summary(new byte[] {7, 7}), readToEnd(stream));
        }
    }

    @Test
    void shouldSeeTheEndOnlyAfterEveryBufferedMessage() throws Exception {
        final CompletableFuture<String> outcome = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("eof.sock"), config(MemoryType.MEMFD), stream -> {
            try {
                stream.readTimeout(READ_TIMEOUT);
                // Let all three messages and the end arrive before reading any of them.
                awaitTrue(stream::isPeerOutputShutdown);
                assertTrue(stream.reader().await(30, 0), "all messages are buffered before the end");
                final org.agrona.DirectBuffer first = stream.reader().view(10);
                assertEquals(0, first.getByte(0));
                stream.reader().release(10);
                final byte[] rest = new byte[20];
                stream.readFully(rest, 0, 20);
                assertEquals(2, rest[19]);
                assertEquals(-1, stream.read(rest, 0, 1), "read returns -1 at the end");
                assertFalse(stream.reader().await(1, TimeUnit.SECONDS.toNanos(1)), "await says the stream ended");
                final StreamClosedException e = assertThrows(StreamClosedException.class,
                    () -> stream.reader().view(1));
                // The peer can still be answered after its end.
                stream.write(new byte[] {42}, 0, 1);
                outcome.complete("read to the end: " + e.getMessage());
            } catch (final ShmIpcException | RuntimeException | AssertionError e) {
                outcome.complete("failed: " + e);
            } finally {
                stream.close();
            }
        });
        try (Session session = Session.connect(dir.resolve("eof.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            for (byte i = 0; i < 3; i++) {
                final byte[] message = new byte[10];
                Arrays.fill(message, i);
                stream.write(message, 0, message.length);
            }
            stream.shutdownOutput();
            final byte[] answer = new byte[1];
            stream.readFully(answer, 0, 1);
            assertEquals(42, answer[0]);
            assertTrue(outcome.get(WAIT_SECONDS, TimeUnit.SECONDS).startsWith("read to the end"),
                outcome.getNow(""));
        }
    }

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldAcceptAStreamThatEndsBeforeAnyData(final MemoryType type) throws Exception {
        final CompletableFuture<Stream> served = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("empty.sock"), config(type), summingServer(served));
        try (Session session = Session.connect(dir.resolve("empty.sock"), config(type))) {
            // Right after connecting: in file mode the server may not have set its bit yet.
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            stream.shutdownOutput();
            assertArrayEquals(summary(new byte[0]), readToEnd(stream));
        }
    }

    @Test
    void shouldLetTheServerShutFirstAndStillReceive() throws Exception {
        final CompletableFuture<byte[]> received = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("server-first.sock"), config(MemoryType.MEMFD), stream -> {
            try {
                stream.readTimeout(READ_TIMEOUT);
                final byte[] hello = new byte[1];
                stream.readFully(hello, 0, 1);
                stream.write(new byte[] {5, 6}, 0, 2);
                stream.shutdownOutput();
                received.complete(readToEnd(stream));
            } catch (final ShmIpcException | RuntimeException e) {
                received.completeExceptionally(e);
            } finally {
                stream.close();
            }
        });
        try (Session session = Session.connect(dir.resolve("server-first.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            stream.write(new byte[] {1}, 0, 1);
            assertArrayEquals(new byte[] {5, 6}, readToEnd(stream), "the server's data, then its end");
            assertTrue(stream.isPeerOutputShutdown());
            assertFalse(stream.isRemoteClosed(), "only its output ended");
            stream.write(new byte[] {8, 9}, 0, 2);
            stream.write(new byte[] {10}, 0, 1);
            stream.shutdownOutput();
            assertArrayEquals(new byte[] {8, 9, 10}, received.get(WAIT_SECONDS, TimeUnit.SECONDS),
                "we can write after the peer's end");
        }
    }

    @Test
    void shouldLetAnEventDrivenServerAnswerAfterThePeersEnd() throws Exception {
        server = ShmServer.startEventDriven(dir.resolve("events.sock"), config(MemoryType.MEMFD), stream -> {
            // Accumulates the request across calls; answers once the peer's output ended and all of it is read.
            final ByteArrayOutputStream request = stream.attachment() == null ? new ByteArrayOutputStream()
                : (ByteArrayOutputStream) stream.attachment();
            stream.attach(request);
            try {
                final int available = (int) stream.reader().available();
                final byte[] chunk = new byte[available];
                stream.reader().view(available).getBytes(0, chunk);
                stream.reader().release(available);
                request.write(chunk, 0, available);
                if (stream.isPeerOutputShutdown() && !stream.isOutputShutdown()) {
                    final byte[] reply = summary(request.toByteArray());
                    stream.write(reply, 0, reply.length);
                    stream.shutdownOutput();
                }
            } catch (final ShmIpcException e) {
                stream.close();
            }
        });
        try (Session session = Session.connect(dir.resolve("events.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            final byte[] request = new byte[50_000];
            new Random(9).nextBytes(request);
            stream.write(request, 0, 20_000);
            stream.write(request, 20_000, 30_000);
            stream.shutdownOutput();
            assertArrayEquals(summary(request), readToEnd(stream));
            awaitTrue(() -> session.activeStreams() == 0);
        }
    }

    @Test
    void shouldReleaseTheStreamOnBothSidesOnceBothDirectionsAreShut() throws Exception {
        final CompletableFuture<Stream> served = new CompletableFuture<>();
        // The server answers and shuts its side only when told: until then our stream must stay active.
        final CountDownLatch answer = new CountDownLatch(1);
        server = ShmServer.start(dir.resolve("release.sock"), config(MemoryType.MEMFD), summingServer(served, answer));
        try (Session session = Session.connect(dir.resolve("release.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            final byte[] request = new byte[200_000];
            new Random(3).nextBytes(request);
            stream.write(request, 0, request.length);
            stream.shutdownOutput();
            assertEquals(1, session.activeStreams(), "our output is shut, the peer's not yet");
            answer.countDown();
            assertArrayEquals(summary(request), readToEnd(stream));

            final Stream serverStream = served.get(WAIT_SECONDS, TimeUnit.SECONDS);
            final Session serverSession = serverStream.session();
            awaitTrue(() -> session.activeStreams() == 0 && serverSession.activeStreams() == 0);
            assertEquals(session.metrics().streamsOpened(), session.metrics().streamsClosed());
            // No slice held by either side once the idle sessions gave their cached slices back.
            awaitTrue(() -> session.bufferBytesInUse() == 0);
            assertEquals(0, serverStream.reader().available());
            assertEquals(0, stream.reader().available());

            // Closing a finished stream tells nobody anything and changes no count.
            stream.close();
            serverStream.close();
            assertEquals(session.metrics().streamsOpened(), session.metrics().streamsClosed());
            assertFalse(session.isClosed());
            assertFalse(serverSession.isClosed());
        }
    }

    @Test
    void shouldKeepTheEndBehindInlineDataInFallbackMode() throws Exception {
        final SessionConfig tiny = SessionConfig.builder().bufferCapacity(64 * 1024)
            .sliceClasses(new SliceClass(4076, 100)).build();
        final CompletableFuture<Stream> served = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("fallback.sock"), tiny, summingServer(served));
        try (Session session = Session.connect(dir.resolve("fallback.sock"), tiny)) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            final byte[] small = new byte[1000];
            final byte[] large = new byte[1 << 20];
            final Random random = new Random(5);
            random.nextBytes(small);
            random.nextBytes(large);
            stream.write(small, 0, small.length);
            stream.write(large, 0, large.length);
            stream.write(small, 0, small.length);
            assertTrue(session.metrics().fallbackWrites() > 0, "the large message went inline");
            stream.shutdownOutput();

            final ByteArrayOutputStream sent = new ByteArrayOutputStream();
            sent.write(small);
            sent.write(large);
            sent.write(small);
            assertArrayEquals(summary(sent.toByteArray()), readToEnd(stream),
                "the server saw every byte before the end");
        }
    }

    @Test
    void shouldRefuseClearlyAndSendNothingWhenThePeerHasHalfCloseTurnedOff() throws Exception {
        final SessionConfig off = SessionConfig.builder().halfClose(false).build();
        server = ShmServer.start(dir.resolve("off.sock"), off, SessionTest.ECHO);
        try (Session session = Session.connect(dir.resolve("off.sock"), config(MemoryType.MEMFD))) {
            assertFalse(session.supportsHalfClose());
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            stream.write(new byte[] {1, 2}, 0, 2);
            final UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                stream::shutdownOutput);
            assertTrue(e.getMessage().contains("the peer (pid " + session.peerPid() + ") has no half-close"),
                e.getMessage());
            assertTrue(e.getMessage().contains("use close()"), e.getMessage());
            assertFalse(stream.isOutputShutdown());

            // Nothing was sent: the stream still echoes, then closes the ordinary way.
            final byte[] echo = new byte[2];
            stream.readFully(echo, 0, 2);
            assertArrayEquals(new byte[] {1, 2}, echo);
            stream.write(new byte[] {3}, 0, 1);
            stream.readFully(echo, 0, 1);
            assertEquals(3, echo[0]);
            stream.close();
            assertFalse(session.isClosed());
        }
    }

    @Test
    void shouldNameTheLocalSwitchWhenHalfCloseIsTurnedOffHere() throws Exception {
        server = ShmServer.start(dir.resolve("local-off.sock"), config(MemoryType.MEMFD), SessionTest.ECHO);
        final SessionConfig off = SessionConfig.builder().halfClose(false).build();
        try (Session session = Session.connect(dir.resolve("local-off.sock"), off)) {
            final Stream stream = session.openStream();
            final UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                stream::shutdownOutput);
            assertTrue(e.getMessage().contains("SHMIPC_HALF_CLOSE"), e.getMessage());
            stream.close();
        }
    }

    @Test
    void shouldFindBothSidesCapabilityBitsInTheRegionHeaderAsSoonAsAMemfdClientConnects() throws Exception {
        server = ShmServer.start(dir.resolve("bits.sock"), config(MemoryType.MEMFD), SessionTest.ECHO);
        try (Session session = Session.connect(dir.resolve("bits.sock"), config(MemoryType.MEMFD))) {
            // The server ORs its bits in before it acknowledges the regions: no wait needed.
            assertEquals(0x007F, session.pool().capabilities(),
                "futex, half-close and message-ring bits of client and server, and the server's tagged heads");
        }
        final SessionConfig off = SessionConfig.builder().halfClose(false).build();
        try (Session session = Session.connect(dir.resolve("bits.sock"), off)) {
            assertEquals(0x007B, session.pool().capabilities(), "no client half-close bit when it is off");
            assertFalse(session.supportsHalfClose());
        }
    }

    @Test
    void shouldTakeTheHalfCloseSwitchFromTheEnvironment() {
        final SessionConfig off = SessionConfig.builder()
            .fromEnvironment(java.util.Map.of("SHMIPC_HALF_CLOSE", "0"), new java.util.Properties()).build();
        assertFalse(off.halfClose());
        assertTrue(SessionConfig.defaults().halfClose());
    }

    @Test
    void shouldEndTheSessionWhenThePeerShutsItsOutputTwice() throws Exception {
        final CompletableFuture<Stream> accepted = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("twice.sock"), config(MemoryType.MEMFD), accepted::complete);
        try (Session session = Session.connect(dir.resolve("twice.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            // Below the API, which refuses a second end: what a misbehaving peer could put on the wire.
            session.sendHalfClose(stream);
            session.sendHalfClose(stream);
            final Session serverSession = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS).session();
            awaitTrue(serverSession::isClosed);
            assertInstanceOf(ProtocolViolationException.class, serverSession.closeCause());
            assertTrue(serverSession.closeCause().getMessage().contains("twice"),
                serverSession.closeCause().getMessage());
        }
    }

    @Test
    void shouldEndTheSessionWhenThePeerSendsDataAfterItsEnd() throws Exception {
        final CompletableFuture<Stream> accepted = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("after.sock"), config(MemoryType.MEMFD), accepted::complete);
        try (Session session = Session.connect(dir.resolve("after.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            session.sendHalfClose(stream);
            stream.write(new byte[] {1}, 0, 1);
            final Session serverSession = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS).session();
            awaitTrue(serverSession::isClosed);
            assertTrue(serverSession.closeCause().getMessage().contains("after it shut its output"),
                serverSession.closeCause().getMessage());
        }
    }

    @Test
    void shouldEndTheSessionWhenAHalfCloseCarriesData() throws Exception {
        final CompletableFuture<Stream> accepted = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("carries.sock"), config(MemoryType.MEMFD), accepted::complete);
        try (Session session = Session.connect(dir.resolve("carries.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.write(new byte[] {1}, 0, 1);
            final Session serverSession = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS).session();
            // Below the API: a status-2 element that points at a buffer offset, as no shmipc-java peer sends it.
            final java.lang.reflect.Field field = Session.class.getDeclaredField("sendMessages");
            field.setAccessible(true);
            final io.shmipc.core.queue.MessageQueue queue = (io.shmipc.core.queue.MessageQueue) field.get(session);
            assertTrue(queue.offer(stream.id(), 4096, io.shmipc.core.layout.QueueDescriptor.STATUS_HALF_CLOSED));
            session.wakePeer();
            awaitTrue(serverSession::isClosed);
            assertTrue(serverSession.closeCause().getMessage().contains("the end marker carries no data"),
                serverSession.closeCause().getMessage());
        }
    }

    @Test
    void shouldReadStatusTwoAsTheReferenceDoesWhenHalfCloseWasNotAgreed() throws Exception {
        final SessionConfig off = SessionConfig.builder().halfClose(false).build();
        final CompletableFuture<Stream> accepted = new CompletableFuture<>();
        server = ShmServer.start(dir.resolve("unagreed.sock"), off, accepted::complete);
        try (Session session = Session.connect(dir.resolve("unagreed.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.write(new byte[] {1}, 0, 1);
            final Session serverSession = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS).session();
            // A status-2 element to a peer that never advertised the extension: it takes it for data, like
            // shmipc-go, and the marker's buffer offset 0 is no slice, so that session ends as a violation.
            session.sendHalfClose(stream);
            awaitTrue(serverSession::isClosed);
            assertInstanceOf(ProtocolViolationException.class, serverSession.closeCause());
        }
    }

    private static void awaitTrue(final BooleanSupplier condition) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + WAIT_SECONDS + " s");
            }
            try {
                Thread.sleep(5);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}
