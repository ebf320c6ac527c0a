package io.shmipc.core;

import io.shmipc.core.buffer.SliceClass;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client and server in one JVM, over a real Unix socket and real shared memory. */
class SessionTest {
    @TempDir
    Path dir;
    private ShmServer server;

    @BeforeEach
    void noServer() {
        server = null;
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** Echoes every byte back on the same stream until the client closes it. */
    static final StreamHandler ECHO = stream -> {
        final byte[] buffer = new byte[64 * 1024];
        try {
            int n;
            while ((n = stream.read(buffer, 0, buffer.length)) > 0) {
                stream.write(buffer, 0, n);
            }
        } catch (final ShmIpcException e) {
            // session or stream ended
        } finally {
            stream.close();
        }
    };

    /** Writes {@code size} random bytes and reads the echo back, intact. */
    private static void assertEchoes(final Stream stream, final Random random, final int size) throws Exception {
        final byte[] out = new byte[size];
        random.nextBytes(out);
        stream.write(out, 0, size);
        final byte[] in = new byte[size];
        stream.readFully(in, 0, size);
        assertArrayEquals(out, in, "size " + size);
    }

    private SessionConfig config(final MemoryType type) {
        return SessionConfig.builder().memoryType(type).filePrefix(dir.resolve("shm").toString()).build();
    }

    @ParameterizedTest(name = "ring data up to {0} bytes")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 16, 1024})
    void shouldEchoThroughMessageRingsWhateverGoesInTheRingItself(final int maxRingData) throws Exception {
        final SessionConfig config = SessionConfig.builder().maxRingDataLength(maxRingData).build();
        server = ShmServer.start(dir.resolve("rings.sock"), config, ECHO);
        try (Session session = Session.connect(dir.resolve("rings.sock"), config)) {
            assertTrue(session.usesMessageRings());
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            final Random random = new Random(7);
            for (final int size : new int[] {1, 15, 16, 17, 1023, 1024, 1025, 9000}) {
                for (int i = 0; i < 50; i++) {
                    assertEchoes(stream, random, size);
                }
            }
            stream.close();
            assertEquals(0, session.metrics().slicesHeld(), "every slice a ring message was copied into came back");
        }
        assertEquals(0, SessionConfig.builder().fromEnvironment(java.util.Map.of("SHMIPC_RING_DATA_MAX", "0"),
            new java.util.Properties()).build().maxRingDataLength());
        assertEquals(false, SessionConfig.builder().fromEnvironment(java.util.Map.of("SHMIPC_MESSAGE_RINGS", "off"),
            new java.util.Properties()).build().messageRings());
    }

    @Test
    void shouldHoldTheRingBackInsteadOfFillingTheHeapWhenNobodyReads() throws Exception {
        // Few slices, a small bound on heap copies: a reader that does not read makes the ring stall.
        final long heapBound = 16 << 10;
        final SessionConfig config = SessionConfig.builder().bufferCapacity(300_000)
            .sliceClasses(new SliceClass(8172, 100)).maxFallbackEventBytes(1024).maxInlineBufferedBytes(heapBound)
            .writeTimeout(Duration.ofSeconds(1)).build();
        final java.util.concurrent.CountDownLatch readNow = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CompletableFuture<Stream> accepted = new java.util.concurrent.CompletableFuture<>();
        server = ShmServer.start(dir.resolve("stall.sock"), config, stream -> {
            accepted.complete(stream);
            try {
                readNow.await();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Session session = Session.connect(dir.resolve("stall.sock"), config)) {
            assertTrue(session.usesMessageRings());
            final Stream stream = session.openStream();
            final byte[] message = new byte[500];
            int sent = 0;
            ShmTimeoutException full = null;
            while (full == null && sent < 2000) {
                java.util.Arrays.fill(message, (byte) sent);
                try {
                    stream.write(message, 0, message.length);
                    sent++;
                } catch (final ShmTimeoutException e) {
                    full = e;
                }
            }
            assertTrue(full != null && full.getMessage().contains("queue full"), "the writer met a full ring: " + full);
            final Stream received = accepted.get(10, TimeUnit.SECONDS);
            final SessionMetrics metrics = received.session().metrics();
            assertTrue(metrics.inlineBytesBuffered() <= heapBound, "heap copies within the bound: " + metrics);
            assertTrue(metrics.inlineStalls() > 0, "the ring stalled: " + metrics);
            assertTrue(!session.isClosed() && !received.session().isClosed(), "a slow reader ends no session");

            readNow.countDown();
            received.readTimeout(Duration.ofSeconds(10));
            final byte[] in = new byte[500];
            for (int i = 0; i < sent; i++) {
                received.readFully(in, 0, in.length);
                assertEquals((byte) i, in[0], "message " + i + " of " + sent + " in order");
                assertEquals((byte) i, in[499]);
            }
            stream.write(message, 0, 10);
            received.readFully(in, 0, 10);
            assertEquals(0, metrics.inlineBytesBuffered(), "every heap copy was read");
        }
    }

    @ParameterizedTest
    @EnumSource(MemoryType.class)
    void shouldEchoMessagesOfEverySize(final MemoryType type) throws Exception {
        server = ShmServer.start(dir.resolve("echo.sock"), config(type), ECHO);
        try (Session session = Session.connect(dir.resolve("echo.sock"), config(type))) {
            assertEquals(type == MemoryType.MEMFD ? 3 : 2, session.protocolVersion());
            if (type == MemoryType.MEMFD) {
                assertTrue(session.usesTaggedFreeLists(), "a shmipc-java server: pops safe from ABA at once");
            }
            assertEquals(type == MemoryType.MEMFD, session.usesMessageRings(),
                "two shmipc-java peers over memfd send through message rings; file mode never does");
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            final Random random = new Random(42);
            for (final int size : new int[] {1, 64, 8171, 8172, 8173, 100_000, 1 << 20, 8 << 20}) {
                assertEchoes(stream, random, size);
            }
            stream.close();
            assertTrue(session.usesFutexWake(), "two shmipc-java peers wake each other with futexes");
            // In file mode the server's bits come without an acknowledgement; the idle receive thread adopts them.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!session.usesTaggedFreeLists() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(session.usesTaggedFreeLists(), "tagged heads in " + type + " mode too");
        }
    }

    @Test
    void shouldDeliverThroughFallbackWhenTheRegionIsExhausted() throws Exception {
        final SessionConfig tiny = SessionConfig.builder().bufferCapacity(64 * 1024)
            .sliceClasses(new SliceClass(4076, 100)).build();
        server = ShmServer.start(dir.resolve("tiny.sock"), tiny, ECHO);
        try (Session session = Session.connect(dir.resolve("tiny.sock"), tiny)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            final byte[] out = new byte[1 << 20];
            new Random(7).nextBytes(out);
            stream.write(out, 0, out.length);
            final byte[] in = new byte[out.length];
            stream.readFully(in, 0, in.length);
            assertArrayEquals(out, in);
            assertTrue(session.metrics().fallbackWrites() > 0, session.metrics().toString());
        }
    }

    @Test
    void shouldBoundInlineDataNobodyReadsAndTimeOutTheWriter() throws Exception {
        final long bound = 2L << 20;
        final int message = 1 << 20;
        final SessionConfig tiny = SessionConfig.builder().bufferCapacity(64 * 1024)
            .sliceClasses(new SliceClass(4076, 100)).maxInlineBufferedBytes(bound)
            // Not shorter: the writer must give up because the peer stopped reading at the bound, not because the
            // peer's control reader was held up for a moment on a loaded machine.
            .writeTimeout(Duration.ofSeconds(1)).build();
        final java.util.concurrent.CountDownLatch startReading = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CompletableFuture<byte[]> received = new java.util.concurrent.CompletableFuture<>();
        final java.util.concurrent.atomic.AtomicInteger expectedBytes = new java.util.concurrent.atomic.AtomicInteger();
        server = ShmServer.start(dir.resolve("bound.sock"), tiny, stream -> {
            try {
                startReading.await(20, TimeUnit.SECONDS);
                final byte[] in = new byte[expectedBytes.get()];
                stream.readTimeout(Duration.ofSeconds(10));
                stream.readFully(in, 0, in.length);
                received.complete(in);
            } catch (final Exception e) {
                received.completeExceptionally(e);
            }
        });
        try (Session session = Session.connect(dir.resolve("bound.sock"), tiny)) {
            final Stream stream = session.openStream();
            final java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
            ShmIpcException refused = null;
            for (int i = 0; i < 64 && refused == null; i++) {
                final byte[] out = new byte[message];
                new Random(i).nextBytes(out);
                try {
                    stream.write(out, 0, out.length);
                    sent.write(out);
                } catch (final ShmIpcException e) {
                    refused = e;
                }
            }

            assertTrue(refused != null, "a writer whose peer reads nothing gives up instead of buffering "
                + sent.size() + " bytes in the peer");
            assertTrue(refused.getMessage().contains("timed out"), refused.getMessage());
            final SessionMetrics serverSide = server.sessions().get(0).metrics();
            assertTrue(serverSide.inlineStalls() > 0, serverSide.toString());
            assertTrue(serverSide.inlineBytesBuffered() <= bound + tiny.maxFallbackEventBytes(),
                "inline data held within the bound plus one event: " + serverSide);

            expectedBytes.set(sent.size());
            startReading.countDown();
            assertArrayEquals(sent.toByteArray(), received.get(10, TimeUnit.SECONDS),
                "every message whose write returned arrives intact");
        }
    }

    @Test
    void shouldGiveStashedSlicesBackToTheSharedListsOnceIdle() throws Exception {
        final SessionConfig quick = SessionConfig.builder().parkTimeout(Duration.ofMillis(50)).spinIterations(100)
            .build();
        server = ShmServer.start(dir.resolve("idle.sock"), quick, ECHO);
        try (Session session = Session.connect(dir.resolve("idle.sock"), quick)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            final byte[] out = new byte[1 << 20];
            new Random(3).nextBytes(out);
            stream.write(out, 0, out.length);
            stream.readFully(new byte[out.length], 0, out.length);

            final io.shmipc.core.buffer.BufferPool pool = session.pool();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int free = 0;
            while (System.nanoTime() < deadline) {
                free = 0;
                for (int list = 0; list < pool.listCount(); list++) {
                    free += pool.freeSlices(list);
                }
                if (free == pool.totalSlices()) {
                    break;
                }
                Thread.sleep(10);
            }
            assertEquals(pool.totalSlices(), free, "every slice back on the free lists: " + session.debugDump());
        }
    }

    @Test
    void shouldSeePeerCloseAsEndOfStream() throws Exception {
        server = ShmServer.start(dir.resolve("close.sock"), config(MemoryType.MEMFD), stream -> {
            try {
                stream.write(new byte[] {1, 2, 3}, 0, 3);
            } catch (final ShmIpcException e) {
                throw new AssertionError(e);
            }
            stream.close();
        });
        try (Session session = Session.connect(dir.resolve("close.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            stream.write(new byte[] {9}, 0, 1);
            final byte[] in = new byte[3];
            stream.readFully(in, 0, 3);
            assertArrayEquals(new byte[] {1, 2, 3}, in);
            assertEquals(-1, stream.read(in, 0, 3));
            assertTrue(stream.isRemoteClosed());
            assertThrows(StreamClosedException.class, () -> stream.write(new byte[] {1}, 0, 1));
        }
    }

    @Test
    void shouldFailPendingReadsWhenTheServerGoesAway() throws Exception {
        server = ShmServer.start(dir.resolve("gone.sock"), config(MemoryType.MEMFD), stream -> { });
        final Session session = Session.connect(dir.resolve("gone.sock"), config(MemoryType.MEMFD));
        final Stream stream = session.openStream();
        stream.write(new byte[] {1}, 0, 1);
        final long start = System.nanoTime();
        new Thread(() -> {
            sleep(200);
            server.close();
        }).start();
        final SessionClosedException e = assertThrows(SessionClosedException.class,
            () -> stream.readFully(new byte[1], 0, 1));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000);
        assertTrue(session.isClosed(), e.getMessage());
    }

    @Test
    void shouldFailAnInterruptedReadInsteadOfSpinning() throws Exception {
        server = ShmServer.start(dir.resolve("int.sock"), config(MemoryType.MEMFD), stream -> { });
        try (Session session = Session.connect(dir.resolve("int.sock"), config(MemoryType.MEMFD))) {
            final Stream stream = session.openStream();
            stream.write(new byte[] {1}, 0, 1);
            final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            final Thread reader = new Thread(() -> {
                try {
                    stream.readFully(new byte[1], 0, 1);
                } catch (final ShmIpcException e) {
                    failure.set(e);
                }
            });
            reader.start();
            sleep(100);
            reader.interrupt();
            reader.join(5000);
            assertTrue(!reader.isAlive(), "an interrupted read returns");
            assertTrue(failure.get() != null && failure.get().getMessage().contains("interrupted"), String.valueOf(failure.get()));
        }
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
