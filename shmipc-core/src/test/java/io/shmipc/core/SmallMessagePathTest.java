package io.shmipc.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages that travel in the message ring: written to the writer's own buffer instead of a slice, and received into
 * the stream's local buffer instead of a slice, falling back to slices when that is full. Against an echo server that
 * frames every message with a 4-byte length.
 */
class SmallMessagePathTest {
    private static final int HEADER = 4;

    @TempDir
    Path dir;
    private ShmServer server;
    private Session session;
    private Stream stream;

    @BeforeEach
    void start() throws Exception {
        final Path socket = dir.resolve("small.sock");
        server = ShmServer.start(socket, SessionConfig.defaults(), SmallMessagePathTest::echo);
        session = Session.connect(socket, SessionConfig.defaults());
        assertTrue(session.usesMessageRings(), "premise: two shmipc-java peers over memfd use message rings");
        stream = session.openStream();
        stream.readTimeout(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldKeepOrderAndBytesWhenMessagesOverflowTheLocalBufferIntoSlices() throws Exception {
        final int messages = 400;
        long expected = 0;
        for (int i = 0; i < messages; i++) {
            final int length = lengthOf(i);
            send(i, length);
            expected += HEADER + length;
        }
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (stream.reader().available() < expected && System.nanoTime() < deadline) {
            stream.reader().await(stream.reader().available() + 1, Duration.ofSeconds(10).toNanos());
        }
        assertEquals(expected, stream.reader().available(), "every echo arrived before any is read");
        assertTrue(stream.inbound.hasLocalBuffer(), "small echoes went to the local buffer");
        assertTrue(session.metrics().slicesHeld() > 0, "those that found it full went to slices");

        for (int i = 0; i < messages; i++) {
            final int length = receiveLength();
            assertEquals(lengthOf(i), length, "echo " + i);
            if (i % 3 == 0) {
                final ReceivedBytes taken = stream.reader().take(length);
                assertPattern(taken.buffer(), 0, length, i);
                taken.release();
            } else {
                assertPattern(stream.reader().view(length), 0, length, i);
                stream.reader().release(length);
            }
        }
        assertEquals(0, stream.reader().available());
        assertEquals(0, stream.inbound.localBytesHeld(), "the local buffer is all given back");
        assertEquals(0, session.metrics().slicesHeld(), "and so is every slice");
    }

    @Test
    void shouldTakeASmallMessageInPlaceAndKeepItsRoomUntilReleased() throws Exception {
        send(0, 32);
        send(1, 32);
        assertEquals(32, receiveLength());
        stream.reader().release(32);
        assertEquals(32, receiveLength());
        assertTrue(stream.inbound.hasLocalBuffer(), "premise: the second echo landed in the local buffer");
        final ReceivedBytes taken = stream.reader().take(32);
        assertFalse(taken.isCopy(), "a message in the local buffer is taken in place");
        assertEquals(0, session.metrics().slicesHeld());

        // Many laps of the local buffer's worth of echoes while the taken message is held: none may land on it.
        final int echoes = 4 * Inbound.LOCAL_CAPACITY / 100;
        for (int i = 2; i < echoes; i++) {
            send(i, 100);
            assertEquals(100, receiveLength());
            if (i % 5 == 0) {
                final ReceivedBytes second = stream.reader().take(100);
                assertTrue(second.isCopy() || session.metrics().slicesHeld() > 0,
                    "a second take while one is held is a copy, or a slice in place");
                assertPattern(second.buffer(), 0, 100, i);
                second.release();
            } else {
                assertPattern(stream.reader().view(100), 0, 100, i);
                stream.reader().release(100);
            }
            assertPattern(taken.buffer(), 0, 32, 1);
        }
        taken.release();

        // Released: the local buffer takes small messages again, and a take finds them in place.
        for (int i = 0; i < 3; i++) {
            send(echoes + i, 50);
            assertEquals(50, receiveLength());
            final ReceivedBytes inPlace = stream.reader().take(50);
            assertFalse(inPlace.isCopy());
            assertEquals(0, session.metrics().slicesHeld(), "the echo came through the local buffer");
            assertPattern(inPlace.buffer(), 0, 50, echoes + i);
            inPlace.release();
        }
    }

    @Test
    void shouldMoveAMessageThatOutgrowsTheSmallBufferToSlicesIntact() throws Exception {
        echoOnce(0, 16);
        final int length = 3 * session.maxRingDataLength() + 5;
        final StreamWriter writer = stream.writer();
        writer.reserve(HEADER).putInt(0, length, ByteOrder.LITTLE_ENDIAN);
        final MutableDirectBuffer first = writer.reserve(10);
        assertTrue(writer.writingSmall(), "premise: a second message starts in the small buffer");
        fill(first, 0, 10, 7, 0);
        final byte[] rest = new byte[length - 10];
        for (int i = 0; i < rest.length; i++) {
            rest[i] = patternByte(7, 10 + i);
        }
        writer.write(rest, 0, rest.length);
        assertFalse(writer.writingSmall(), "it outgrew the small buffer");
        writer.flush();
        assertEquals(length, receiveLength());
        assertPattern(stream.reader().view(length), 0, length, 7);
        stream.reader().release(length);
    }

    @Test
    void shouldSendOnlyWhatAShrunkReservationKeptAndNothingOfAnAbortedMessage() throws Exception {
        echoOnce(0, 16);
        final StreamWriter writer = stream.writer();
        final MutableDirectBuffer aborted = writer.reserve(HEADER + 50);
        assertTrue(writer.writingSmall(), "premise: the small buffer holds it");
        aborted.putInt(0, 50, ByteOrder.LITTLE_ENDIAN);
        writer.abort();

        final MutableDirectBuffer message = writer.reserve(HEADER + 100);
        message.putInt(0, 40, ByteOrder.LITTLE_ENDIAN);
        fill(message, HEADER, 40, 9, 0);
        writer.shrinkReservation(60);
        assertEquals(HEADER + 40, writer.pending());
        writer.flush();

        assertEquals(40, receiveLength(), "the aborted message never went out");
        assertPattern(stream.reader().view(40), 0, 40, 9);
        stream.reader().release(40);
        echoOnce(10, 8);
        assertEquals(0, stream.reader().available(), "nothing but the two messages came back");
    }

    // ---------------------------------------------------------------- helpers

    /** Lengths from 1 B to past the local buffer's largest message, so that some always take slices. */
    private static int lengthOf(final int i) {
        return 1 + (i * 37) % (Inbound.MAX_LOCAL_MESSAGE + 200);
    }

    private void send(final int seed, final int length) throws ShmIpcException {
        final StreamWriter writer = stream.writer();
        writer.reserve(HEADER).putInt(0, length, ByteOrder.LITTLE_ENDIAN);
        final byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            body[i] = patternByte(seed, i);
        }
        writer.write(body, 0, length);
        writer.flush();
    }

    private void echoOnce(final int seed, final int length) throws ShmIpcException {
        send(seed, length);
        assertEquals(length, receiveLength());
        assertPattern(stream.reader().view(length), 0, length, seed);
        stream.reader().release(length);
    }

    private int receiveLength() throws ShmIpcException {
        final StreamReader reader = stream.reader();
        assertTrue(reader.await(HEADER, 0), "an echo header");
        final int length = reader.view(HEADER).getInt(0, ByteOrder.LITTLE_ENDIAN);
        reader.release(HEADER);
        assertTrue(reader.await(length, 0), "an echo body of " + length + " bytes");
        return length;
    }

    private static byte patternByte(final int seed, final int index) {
        return (byte) (seed * 31 + index * 7 + 1);
    }

    private static void fill(final MutableDirectBuffer buffer, final int at, final int length, final int seed,
                             final int from) {
        for (int i = 0; i < length; i++) {
            buffer.putByte(at + i, patternByte(seed, from + i));
        }
    }

    private static void assertPattern(final DirectBuffer buffer, final int at, final int length, final int seed) {
        for (int i = 0; i < length; i++) {
            if (buffer.getByte(at + i) != patternByte(seed, i)) {
                throw new AssertionError("message " + seed + ": byte " + i + " of " + length + " is "
                    + buffer.getByte(at + i) + ", expected " + patternByte(seed, i));
            }
        }
    }

    /** Echoes every framed message back, reading and writing through the same small-message paths. */
    private static void echo(final Stream stream) {
        try (stream) {
            final StreamReader reader = stream.reader();
            while (reader.await(HEADER, 0)) {
                final int length = reader.view(HEADER).getInt(0, ByteOrder.LITTLE_ENDIAN);
                reader.release(HEADER);
                if (!reader.await(length, 0)) {
                    return;
                }
                final StreamWriter writer = stream.writer();
                writer.reserve(HEADER).putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                writer.write(reader.view(length), 0, length);
                writer.flush();
                reader.release(length);
            }
        } catch (final ShmIpcException e) {
            // the client went away
        }
    }
}
