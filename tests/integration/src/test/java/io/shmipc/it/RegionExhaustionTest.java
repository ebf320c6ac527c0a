package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionMetrics;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.core.Stream;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.demo.EchoFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consumer that stops consuming for a while: the writer fills the shared regions and goes on (fallback) or waits,
 * and once the consumer drains, everything written arrives intact and in order; a write that cannot get queue room
 * within its deadline fails loudly with {@link ShmTimeoutException}. Nothing is ever lost silently.
 */
class RegionExhaustionTest {
    /** 256 KiB: 15 slices of 8 KiB and 3 of 32 KiB, far less than what the tests write. */
    private static final long SMALL_REGION = 256 << 10;
    private static final SliceClass[] TWO_CLASSES = {new SliceClass(8172, 50), new SliceClass(32748, 50)};
    private static final int STREAMS = 4;
    private static final int FRAMES_PER_STREAM = 50;
    /** How long the frozen-consumer test keeps the server stopped, at least. */
    private static final long FROZEN_MILLIS = 500;

    @TempDir
    Path dir;
    private PeerProcess server;
    private Path socket;
    private ExecutorService threads;

    @BeforeEach
    void startServer() throws Exception {
        socket = dir.resolve("echo.sock");
        server = PeerProcess.echoServer(socket, Map.of(), dir);
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopServer() throws Exception {
        threads.shutdownNow();
        try {
            if (server.isAlive()) {
                server.resume();
                assertEquals(0, server.stop(), "echo server saw no corrupted frame" + server.describe());
            }
        } finally {
            server.close();
        }
    }

    private static int frameSize(final int stream, final int frame) {
        return 4096 + ((stream * 7919 + frame * 104_729) % (60 << 10));
    }

    @Test
    void shouldDeliverEverythingWhenTheApplicationReadsOnlyAfterTheRegionFilled() throws Exception {
        final SessionConfig config = SessionConfig.builder().bufferCapacity(SMALL_REGION).sliceClasses(TWO_CLASSES)
            .build();
        try (Session session = Session.connect(socket, config)) {
            final List<Stream> streams = openStreams(session);
            long written = 0;
            // Write everything first: the echoes pile up unread in our receive side and exhaust the region.
            for (int f = 0; f < FRAMES_PER_STREAM; f++) {
                for (int s = 0; s < STREAMS; s++) {
                    final byte[] payload = Echo.payload(frameSize(s, f), s * 1000L + f);
                    EchoFrame.send(streams.get(s), payload, payload.length);
                    written += payload.length;
                }
            }
            Thread.sleep(300);
            assertTrue(session.metrics().allocationFailures() > 0, "the region was exhausted: " + session.metrics());
            readAllEchoes(streams, FRAMES_PER_STREAM);
            final SessionMetrics metrics = session.metrics();
            assertEquals(metrics.bytesSent(), metrics.bytesReceived(), "every byte came back once: " + metrics);
            assertEquals(0, metrics.slicesHeld(), "all received slices released: " + metrics);
            Figures.report("late reader", written / 1024 + " KiB in " + STREAMS * FRAMES_PER_STREAM
                + " frames through a 256 KiB region, all intact; allocation failures " + metrics.allocationFailures()
                + ", fallback writes " + metrics.fallbackWrites() + ", fallback reads " + metrics.fallbackReads());
        }
    }

    @Test
    void shouldDeliverEverythingWhenAFrozenConsumerResumesAfterTheRegionFilled() throws Exception {
        final SessionConfig config = SessionConfig.builder().bufferCapacity(SMALL_REGION).sliceClasses(TWO_CLASSES)
            .build();
        try (Session session = Session.connect(socket, config)) {
            final List<Stream> streams = openStreams(session);
            server.freeze();
            final Future<Long> writer = threads.submit(() -> {
                long bytes = 0;
                for (int f = 0; f < FRAMES_PER_STREAM; f++) {
                    for (int s = 0; s < STREAMS; s++) {
                        final byte[] payload = Echo.payload(frameSize(s, f), s * 1000L + f);
                        EchoFrame.send(streams.get(s), payload, payload.length);
                        bytes += payload.length;
                    }
                }
                return bytes;
            });
            // The writer runs on a thread of its own: on a loaded machine it may not have filled the region yet
            // when a fixed pause ends, so wait (bounded) for what must happen, then keep the consumer frozen a while.
            final long frozenAt = System.nanoTime();
            final long deadline = frozenAt + TimeUnit.SECONDS.toNanos(10);
            while (session.metrics().allocationFailures() == 0 && !writer.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(session.metrics().allocationFailures() > 0, "the region is exhausted: " + session.metrics());
            Thread.sleep(Math.max(0, FROZEN_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt)));
            assertFalse(writer.isDone(), "with the consumer frozen, ~7 MB cannot all be written into 256 KiB and a "
                + "socket buffer");
            final long frozenFor = System.nanoTime();
            server.resume();
            final Future<?> reader = threads.submit(() -> {
                readAllEchoes(streams, FRAMES_PER_STREAM);
                return null;
            });
            final long written = writer.get(60, TimeUnit.SECONDS);
            reader.get(60, TimeUnit.SECONDS);
            final SessionMetrics metrics = session.metrics();
            assertEquals(metrics.bytesSent(), metrics.bytesReceived(), "every byte came back once: " + metrics);
            Figures.report("frozen consumer", written / 1024 + " KiB written while the server was stopped for "
                + Figures.millis(frozenFor - frozenAt) + " and drained " + Figures.millis(System.nanoTime() - frozenFor) + " after SIGCONT; allocation "
                + "failures " + metrics.allocationFailures() + ", fallback writes " + metrics.fallbackWrites());
        }
    }

    /**
     * A send queue that holds few 64-byte echo frames: the reference queue of 16 elements, or (between two shmipc-java
     * peers) a 4 KiB message ring, whose 88-byte records (72-byte frames) fit 46 times; it may hold one or two fewer when the frames
     * start near the ring's end (a padding record) or when the server had consumed a record without publishing its
     * head when SIGSTOP landed (PROTOCOL.md §2).
     */
    private record SmallQueue(SessionConfig.Builder config, int capacity, int fewest) {
        static SmallQueue of(final boolean rings) {
            if (!rings) {
                return new SmallQueue(SessionConfig.builder().messageRings(false).queueCapacity(16), 16, 15);
            }
            // A region under 512 KiB gets the smallest rings.
            return new SmallQueue(SessionConfig.builder().bufferCapacity(300_000)
                .sliceClasses(new SliceClass(8172, 100)), 46, 44);
        }
    }

    @ParameterizedTest(name = "message rings {0}")
    @ValueSource(booleans = {false, true})
    void shouldFailTheWriteLoudlyWhenTheQueueStaysFullPastTheWriteTimeout(final boolean rings) throws Exception {
        final SmallQueue queue = SmallQueue.of(rings);
        final int capacity = queue.capacity();
        final Duration writeTimeout = Duration.ofSeconds(1);
        final SessionConfig config = queue.config().writeTimeout(writeTimeout).build();
        try (Session session = Session.connect(socket, config)) {
            assertEquals(rings, session.usesMessageRings());
            final Stream stream = openStreams(session).get(0);
            server.freeze();
            // Fill the queue until a write is refused (see SmallQueue for how many fit).
            int queued = 0;
            ShmTimeoutException failure = null;
            long waited = 0;
            for (int i = 0; i <= capacity && failure == null; i++) {
                final byte[] payload = Echo.payload(64, i);
                final long start = System.nanoTime();
                try {
                    EchoFrame.send(stream, payload, payload.length);
                    queued++;
                } catch (final ShmTimeoutException e) {
                    failure = e;
                    waited = System.nanoTime() - start;
                }
            }
            assertNotNull(failure, "a write into a full queue fails");
            assertTrue(queued <= capacity && queued >= queue.fewest(), queued + " writes fit a queue of " + capacity);
            assertTrue(failure.getMessage().contains("queue full"), "names the cause: " + failure.getMessage());
            assertTrue(waited >= writeTimeout.toNanos() * 9 / 10, "waited for the deadline, only "
                + Figures.millis(waited));
            assertTrue(session.metrics().queueFullWaits() > 0, "counted: " + session.metrics());
            assertFalse(session.isClosed(), "a full queue does not end the session");

            server.resume();
            final byte[] scratch = new byte[128];
            for (int i = 0; i < queued; i++) {
                Echo.expect(stream, Echo.payload(64, i), scratch);
            }
            // The refused frame was never queued: the next echo is the next frame we send, not that one.
            Echo.roundTrip(stream, Echo.payload(64, 1000), scratch);
            assertEquals(0, session.metrics().slicesHeld());
            Figures.report("queue full", "write failed loudly after " + Figures.millis(waited) + " ("
                + writeTimeout.toMillis() + " ms deadline): " + failure.getMessage());
        }
    }

    @ParameterizedTest(name = "message rings {0}")
    @ValueSource(booleans = {false, true})
    void shouldWaitForRoomAndDeliverWhenTheQueueFillsOnlyBriefly(final boolean rings) throws Exception {
        final SmallQueue queue = SmallQueue.of(rings);
        final int capacity = queue.capacity();
        final SessionConfig config = queue.config().writeTimeout(Duration.ofSeconds(10)).build();
        try (Session session = Session.connect(socket, config)) {
            assertEquals(rings, session.usesMessageRings());
            final Stream stream = openStreams(session).get(0);
            server.freeze();
            // One frame more than the queue holds. Whether the last of them or the one before waits depends on
            // whether SIGSTOP landed before the server published its head for the last echo (PROTOCOL.md §2).
            final int frames = capacity + 1;
            final Future<?> writer = threads.submit(() -> {
                for (int i = 0; i < frames; i++) {
                    final byte[] payload = Echo.payload(64, i);
                    EchoFrame.send(stream, payload, payload.length);
                }
                return null;
            });
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (session.metrics().queueFullWaits() == 0 && !writer.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(session.metrics().queueFullWaits() > 0, "a write waits for queue room: " + session.metrics());
            Thread.sleep(300);
            assertFalse(writer.isDone(), "the write still waits while the server is stopped");
            server.resume();
            writer.get(10, TimeUnit.SECONDS);
            final byte[] scratch = new byte[128];
            for (int i = 0; i < frames; i++) {
                Echo.expect(stream, Echo.payload(64, i), scratch);
            }
        }
    }

    private static List<Stream> openStreams(final Session session) throws Exception {
        final List<Stream> streams = new ArrayList<>();
        final byte[] scratch = new byte[256];
        for (int s = 0; s < STREAMS; s++) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(30));
            // One round trip so the server has the stream before the test starts starving it.
            Echo.roundTrip(stream, Echo.payload(100, s), scratch);
            streams.add(stream);
        }
        return streams;
    }

    private static void readAllEchoes(final List<Stream> streams, final int frames) throws Exception {
        final byte[] scratch = new byte[64 << 10];
        for (int f = 0; f < frames; f++) {
            for (int s = 0; s < streams.size(); s++) {
                Echo.expect(streams.get(s), Echo.payload(frameSize(s, f), s * 1000L + f), scratch);
            }
        }
    }
}
