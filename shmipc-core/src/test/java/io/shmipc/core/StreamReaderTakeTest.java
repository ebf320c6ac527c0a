package io.shmipc.core;

import io.shmipc.core.buffer.SliceClass;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link StreamReader#take(int)}: several received messages held at once and released in any order. */
class StreamReaderTakeTest {
    @TempDir
    Path dir;
    private ShmServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldKeepASharedSliceUntilEveryTakeOverItIsReleased() throws Exception {
        final SessionConfig config = SessionConfig.builder().bufferCapacity(1 << 20)
            .sliceClasses(new SliceClass(4076, 100)).build();
        final CountDownLatch done = new CountDownLatch(1);
        server = ShmServer.start(dir.resolve("take.sock"), config, stream -> {
            try {
                stream.write(pattern(200, 1), 0, 200);        // two 100-byte records in one message and slice
                stream.write(pattern(10_000, 2), 0, 10_000);  // one record over three slices
                done.await(10, TimeUnit.SECONDS);
            } catch (final ShmIpcException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        try (Session session = Session.connect(dir.resolve("take.sock"), config)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            stream.write(new byte[] {0}, 0, 1);

            final ReceivedBytes first = stream.reader().take(100);
            final ReceivedBytes second = stream.reader().take(100);
            final ReceivedBytes spanning = stream.reader().take(10_000);
            assertFalse(first.isCopy());
            assertFalse(second.isCopy());
            assertTrue(spanning.isCopy());
            assertEquals(0, stream.reader().available());
            assertEquals(1, session.metrics().slicesHeld(), "the copied record's slices went back at once");

            second.release();
            assertEquals(1, session.metrics().slicesHeld(), "the first record still views the slice");
            assertPattern(first, 1, 0);
            spanning.release();
            first.release();
            first.release();
            assertEquals(0, session.metrics().slicesHeld());
            done.countDown();
        }
    }

    @Test
    void shouldCarryTakenBytesIntactInPlaceAndAcrossSlices() throws Exception {
        final SessionConfig config = SessionConfig.builder().bufferCapacity(1 << 20)
            .sliceClasses(new SliceClass(4076, 100)).build();
        server = ShmServer.start(dir.resolve("intact.sock"), config, stream -> {
            try {
                stream.write(pattern(300, 3), 0, 300);
                stream.write(pattern(9000, 4), 0, 9000);
            } catch (final ShmIpcException e) {
                throw new AssertionError(e);
            }
        });
        try (Session session = Session.connect(dir.resolve("intact.sock"), config)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            stream.write(new byte[] {0}, 0, 1);
            final ReceivedBytes small = stream.reader().take(300);
            final ReceivedBytes large = stream.reader().take(9000);
            assertPattern(small, 3, 0);
            assertPattern(large, 4, 0);
            assertFalse(small.isCopy());
            assertEquals(1, session.metrics().slicesHeld(), "a record that is its whole slice keeps that slice");
            large.release();
            small.release();
            assertEquals(0, session.metrics().slicesHeld(), "and gives it back on release");
            small.release();
            assertEquals(0, session.metrics().slicesHeld(), "once");
            stream.close();
            assertEquals(0, session.metrics().slicesHeld());
        }
    }

    @Test
    void shouldKeepTakenBytesIntactWhenTheSessionEnds() throws Exception {
        server = ShmServer.start(dir.resolve("ends.sock"), SessionConfig.defaults(), stream -> {
            try {
                stream.write(pattern(500, 5), 0, 500);
            } catch (final ShmIpcException e) {
                throw new AssertionError(e);
            }
        });
        final Session session = Session.connect(dir.resolve("ends.sock"), SessionConfig.defaults());
        final Stream stream = session.openStream();
        stream.readTimeout(Duration.ofSeconds(10));
        stream.write(new byte[] {0}, 0, 1);
        final ReceivedBytes held = stream.reader().take(500);
        assertFalse(held.isCopy());

        final CountDownLatch ended = new CountDownLatch(1);
        session.onClose(ended::countDown);
        server.close();
        assertTrue(ended.await(10, TimeUnit.SECONDS), "the session ends when the server goes");
        assertPattern(held, 5, 0);
        held.release();
        session.close();
    }

    private static byte[] pattern(final int length, final int seed) {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    private static void assertPattern(final ReceivedBytes bytes, final int seed, final int from) {
        for (int i = 0; i < bytes.length(); i++) {
            assertEquals((byte) ((from + i) * 31 + seed), bytes.buffer().getByte(i), "byte " + i);
        }
    }
}
