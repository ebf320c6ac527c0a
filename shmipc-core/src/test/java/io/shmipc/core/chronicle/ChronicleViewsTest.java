package io.shmipc.core.chronicle;

import io.shmipc.core.ReceivedBytes;
import io.shmipc.core.Session;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;
import io.shmipc.core.StreamHandler;
import io.shmipc.core.StreamReader;
import io.shmipc.core.StreamWriter;
import io.shmipc.core.buffer.SliceClass;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ChronicleReservation} and {@link ChronicleView} over a real session: Chronicle-encoded messages cross an
 * in-process server that echoes raw bytes, and are decoded with Agrona or Chronicle on the way back.
 */
class ChronicleViewsTest {
    /** Small slices, so that a 10 000-byte message spans three of them. */
    private static final SliceClass SMALL_SLICES = new SliceClass(4076, 100);
    /** Message layout: id (8), payload length (4), payload, sum of the payload bytes (8); all native order. */
    private static final int OVERHEAD = 20;
    private static final int GUARD_BYTES = 32;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Echoes whatever arrives, as it arrives, one flush per read. */
    private static final StreamHandler ECHO = stream -> {
        final byte[] buffer = new byte[64 << 10];
        try {
            stream.readTimeout(TIMEOUT);
            int n;
            while ((n = stream.read(buffer, 0, buffer.length)) > 0) {
                stream.write(buffer, 0, n);
            }
        } catch (final StreamClosedException | SessionClosedException ended) {
            // the client closed the stream or the session
        } catch (final ShmIpcException e) {
            throw new AssertionError(e);
        }
    };

    @TempDir
    Path dir;
    private ShmServer server;
    private Session session;

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
    void shouldDecodeWithAgronaWhatChronicleEncodedIntoAReservation() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(1 << 20).sliceClasses(SMALL_SLICES).build());
        final ChronicleReservation reservation = new ChronicleReservation();
        final int[] sizes = {0, 1, 7, 100, 4000, 4076 - OVERHEAD};
        for (int i = 0; i < sizes.length; i++) {
            final Bytes<?> out = reservation.reserve(stream.writer(), OVERHEAD + sizes[i]);
            encode(out, i, payload(sizes[i], i));
            assertEquals(out.writeLimit(), out.writePosition(), "the message fills its reservation");
        }
        stream.writer().flush();

        for (int i = 0; i < sizes.length; i++) {
            final DirectBuffer in = stream.reader().view(OVERHEAD + sizes[i]);
            assertEquals(i, in.getLong(0), "id");
            assertEquals(sizes[i], in.getInt(8), "payload length");
            final byte[] payload = new byte[sizes[i]];
            in.getBytes(12, payload);
            assertArrayEquals(payload(sizes[i], i), payload);
            assertEquals(sum(payload), in.getLong(12 + sizes[i]), "checksum");
            stream.reader().release(OVERHEAD + sizes[i]);
        }
    }

    @Test
    void shouldDecodeWithChronicleWhatAgronaEncoded() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(1 << 20).sliceClasses(SMALL_SLICES).build());
        final int[] sizes = {0, 3, 64, 2000};
        for (int i = 0; i < sizes.length; i++) {
            final byte[] payload = payload(sizes[i], 10 + i);
            final MutableDirectBuffer out = stream.writer().reserve(OVERHEAD + sizes[i]);
            out.putLong(0, 10 + i);
            out.putInt(8, sizes[i]);
            out.putBytes(12, payload);
            out.putLong(12 + sizes[i], sum(payload));
        }
        stream.writer().flush();

        final ChronicleView view = new ChronicleView();
        Bytes<?> previous = null;
        for (int i = 0; i < sizes.length; i++) {
            final Bytes<?> in = view.view(stream.reader(), OVERHEAD + sizes[i]);
            assertEquals(OVERHEAD + sizes[i], in.readRemaining());
            assertDecodes(in, 10 + i, sizes[i]);
            assertEquals(0, in.readRemaining(), "the view ends where the message ends");
            assertThrows(BufferUnderflowException.class, in::readByte, "nothing readable past the message");
            if (previous != null) {
                assertSame(previous, in, "one Bytes reused for every in-place view");
            }
            previous = in;
            stream.reader().release(OVERHEAD + sizes[i]);
        }
    }

    @Test
    void shouldThrowAndLeaveTheFollowingBytesUntouchedWhenWritingPastTheReservation() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(1 << 20).sliceClasses(SMALL_SLICES).build());
        final StreamWriter writer = stream.writer();
        final MutableDirectBuffer reserved = writer.reserve(16);
        assertNull(reserved.byteArray(), "the reservation lies in shared memory");
        final UnsafeBuffer following = new UnsafeBuffer(reserved.addressOffset() + 16, GUARD_BYTES);
        final byte[] before = new byte[GUARD_BYTES];
        following.getBytes(0, before);

        final Bytes<?> out = new ChronicleReservation().wrap(reserved);
        assertEquals(16, out.writeLimit());
        assertEquals(16, out.capacity());
        out.writeLong(1L).writeInt(2);
        assertThrows(BufferOverflowException.class, () -> out.writeLong(-1L), "a long where 4 bytes are left");
        assertThrows(BufferOverflowException.class, () -> out.write(fill(GUARD_BYTES)), "an array past the end");
        assertThrows(BufferOverflowException.class, () -> out.writeLong(12, -1L), "an absolute write past the end");
        assertThrows(BufferOverflowException.class, () -> out.writeSkip(5), "a skip past the end");
        assertThrows(BufferOverflowException.class, () -> out.writePosition(17), "a position past the end");
        assertThrows(BufferOverflowException.class, () -> out.writeLimit(17), "a limit past the reservation");
        out.writeInt(3);
        assertThrows(BufferOverflowException.class, () -> out.writeByte((byte) -1), "a byte when the view is full");

        final byte[] after = new byte[GUARD_BYTES];
        following.getBytes(0, after);
        assertArrayEquals(before, after, "the bytes after the reservation are untouched");
        assertEquals(1L, reserved.getLong(0));
        assertEquals(2, reserved.getInt(8));
        assertEquals(3, reserved.getInt(12));
        assertThrows(IllegalArgumentException.class, () -> new ChronicleReservation().reserve(writer,
            writer.maxReservation() + 1), "no reservation larger than a slice");
        writer.abort();
    }

    @Test
    void shouldReadTheReadersCopyWhenAMessageSpansSlices() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(1 << 20).sliceClasses(SMALL_SLICES).build());
        final ChronicleView view = new ChronicleView();
        final int[] sizes = {10_000, 100, 9_000, 10_000};
        for (int round = 0; round < sizes.length; round++) {
            final byte[] message = agronaEncoded(round, payload(sizes[round], round));
            stream.write(message, 0, message.length);
            final Bytes<?> in = view.view(stream.reader(), message.length);
            assertEquals(message.length, in.readRemaining());
            assertDecodes(in, round, sizes[round]);
            assertThrows(BufferUnderflowException.class, () -> in.readInt(message.length - 2), "past the copy's end");
            stream.reader().release(message.length);
        }
        assertEquals(0, session.metrics().slicesHeld());
    }

    @Test
    void shouldDecodeTakenBytesInPlaceAndWhenCopied() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(1 << 20).sliceClasses(SMALL_SLICES).build());
        final byte[] small = agronaEncoded(1, payload(300, 1));
        final byte[] large = agronaEncoded(2, payload(9_000, 2));
        stream.write(small, 0, small.length);
        final ReceivedBytes inPlace = stream.reader().take(small.length);
        stream.write(large, 0, large.length);
        final ReceivedBytes copied = stream.reader().take(large.length);
        assertFalse(inPlace.isCopy());
        assertTrue(copied.isCopy());

        final ChronicleView view = new ChronicleView();
        assertDecodes(view.wrap(copied), 2, 9_000);
        assertDecodes(view.wrap(inPlace), 1, 300);
        copied.release();
        inPlace.release();
        assertEquals(0, session.metrics().slicesHeld());
    }

    @Test
    void shouldEncodeIntoTheWritersHeapBufferWhenTheRegionIsExhausted() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(64 << 10).sliceClasses(SMALL_SLICES)
            .build());
        final ChronicleReservation reservation = new ChronicleReservation();
        final int messages = 40;
        final int size = 4000;
        boolean sawHeap = false;
        for (int i = 0; i < messages; i++) {
            final MutableDirectBuffer reserved = stream.writer().reserve(OVERHEAD + size);
            sawHeap |= reserved.byteArray() != null;
            final Bytes<?> out = reservation.wrap(reserved);
            encode(out, i, payload(size, i));
            assertThrows(BufferOverflowException.class, () -> out.writeByte((byte) 0), "bounded on the heap too");
        }
        assertTrue(sawHeap, "160 KB in a 64 KB region: the writer went on in its heap buffer");
        stream.writer().flush();
        assertTrue(session.metrics().fallbackWrites() > 0, session.metrics().toString());

        final ChronicleView view = new ChronicleView();
        for (int i = 0; i < messages; i++) {
            assertDecodes(view.view(stream.reader(), OVERHEAD + size), i, size);
            stream.reader().release(OVERHEAD + size);
        }
    }

    @ParameterizedTest(name = "region of {0} bytes")
    @ValueSource(ints = {1 << 20, 64 << 10})
    void shouldSendOnlyWhatWasEncodedWhenAReservationIsFinished(final int regionBytes) throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(regionBytes).sliceClasses(SMALL_SLICES)
            .build());
        final StreamWriter writer = stream.writer();
        final ChronicleReservation reservation = new ChronicleReservation();
        final int messages = 40;
        final int largest = 4 + 64 + OVERHEAD + 3 + 3000;
        long sent = 0;
        for (int i = 0; i < messages; i++) {
            final Bytes<?> out = reservation.reserve(writer, largest);
            out.writeSkip(4);
            out.writeUtf8("message " + i);
            out.writeStopBit(i * 75);
            encode(out, i, payload(i * 75, i));
            out.writeInt(0, (int) out.writePosition() - 4);
            final int written = reservation.finish(writer);
            assertEquals(out.writePosition(), written);
            assertEquals(written, out.writeLimit(), "nothing more can be written once finished");
            assertEquals(written, reservation.finish(writer), "finishing again changes nothing");
            sent += written;
            assertEquals(sent, writer.pending(), "only the encoded bytes are pending");
        }
        writer.flush();

        final ChronicleView view = new ChronicleView();
        long received = 0;
        for (int i = 0; i < messages; i++) {
            final int length = view.view(stream.reader(), 4).readInt();
            stream.reader().release(4);
            final Bytes<?> in = view.view(stream.reader(), length);
            assertEquals("message " + i, in.readUtf8());
            assertEquals(i * 75, in.readStopBit());
            assertDecodes(in, i, i * 75);
            assertEquals(0, in.readRemaining(), "message " + i + " ends where its encoding ended");
            stream.reader().release(length);
            received += 4 + length;
        }
        assertEquals(sent, received);
        if (regionBytes < messages * largest) {
            assertTrue(session.metrics().fallbackWrites() > 0, "the small region overflowed: "
                + session.metrics());
        }
    }

    @Test
    void shouldRefuseToFinishAReservationThatIsNoLongerTheLatestCall() throws Exception {
        final Stream stream = connect(SessionConfig.builder().bufferCapacity(1 << 20).sliceClasses(SMALL_SLICES).build());
        final StreamWriter writer = stream.writer();
        final ChronicleReservation reservation = new ChronicleReservation();
        reservation.reserve(writer, 100).writeLong(1);
        writer.write(new byte[] {1, 2, 3}, 0, 3);
        assertThrows(IllegalStateException.class, () -> reservation.finish(writer), "a write came after it");
        assertEquals(103, writer.pending(), "the refused finish changed nothing");
        reservation.reserve(writer, 100).writeLong(2);
        writer.flush();
        assertThrows(IllegalStateException.class, () -> reservation.finish(writer), "the message was sent");
        assertThrows(IllegalStateException.class, () -> writer.shrinkReservation(1), "nothing is reserved");
        writer.reserve(10);
        assertThrows(IllegalStateException.class, () -> writer.shrinkReservation(11), "more than was reserved");
        assertThrows(IllegalStateException.class, () -> writer.shrinkReservation(-1), "a negative length");
        writer.abort();
    }

    @Test
    void shouldBoundViewsOfAHeapArrayToTheirRange() {
        final byte[] array = fill(64);
        final Bytes<?> out = new ChronicleReservation().wrap(new UnsafeBuffer(array, 8, 16));
        out.writeLong(0x0102030405060708L).writeLong(-2L);
        assertThrows(BufferOverflowException.class, () -> out.writeByte((byte) 0));
        assertThrows(BufferOverflowException.class, () -> out.writeLimit(17));
        final byte[] expectedOutside = fill(64);
        assertArrayEquals(Arrays.copyOfRange(expectedOutside, 0, 8), Arrays.copyOfRange(array, 0, 8));
        assertArrayEquals(Arrays.copyOfRange(expectedOutside, 24, 64), Arrays.copyOfRange(array, 24, 64));

        final Bytes<?> in = new ChronicleView().wrap(new UnsafeBuffer(array, 8, 16));
        assertEquals(16, in.readRemaining());
        assertEquals(0x0102030405060708L, in.readLong());
        assertEquals(-2L, in.readLong());
        assertThrows(BufferUnderflowException.class, in::readByte);
        assertEquals(0x0102030405060708L, new UnsafeBuffer(array).getLong(8), "same byte order as Agrona");
    }

    @Test
    void shouldGiveAnEmptyViewForZeroBytes() throws Exception {
        final Stream stream = connect(SessionConfig.defaults());
        final Bytes<?> out = new ChronicleReservation().reserve(stream.writer(), 0);
        assertEquals(0, out.writeRemaining());
        assertThrows(BufferOverflowException.class, () -> out.writeByte((byte) 1));
        stream.writer().abort();
        final Bytes<?> in = new ChronicleView().view(stream.reader(), 0);
        assertEquals(0, in.readRemaining());
        assertThrows(BufferUnderflowException.class, in::readByte);
    }

    @Test
    void shouldServeOneThreadAfterAnotherWithChroniclesThreadCheckOn() throws Exception {
        assertTrue(ChronicleViewsTest.class.desiredAssertionStatus(), "Chronicle checks threads only with -ea");
        final UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final ChronicleReservation reservation = new ChronicleReservation();
        final ChronicleView view = new ChronicleView();
        reservation.wrap(memory).writeLong(1);
        assertEquals(1, view.wrap(memory).readLong());
        final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
            new java.util.concurrent.atomic.AtomicReference<>();
        final Thread other = new Thread(() -> {
            try {
                reservation.wrap(memory).writeLong(2);
                assertEquals(2, view.wrap(memory).readLong());
            } catch (final Throwable e) {
                failure.set(e);
            }
        }, "second-user");
        other.start();
        other.join(10_000);
        assertFalse(other.isAlive());
        assertNull(failure.get(), () -> "the views moved to another thread: " + failure.get());
        reservation.wrap(memory).writeLong(3);
        assertEquals(3, view.wrap(memory).readLong(), "and back");
    }

    @Test
    void shouldNotAllocateWhenRepointedOverSharedMemory() {
        final ByteBuffer memory = ByteBuffer.allocateDirect(4096);
        final UnsafeBuffer slice = new UnsafeBuffer(memory);
        final UnsafeBuffer window = new UnsafeBuffer(0, 0);
        final ChronicleReservation reservation = new ChronicleReservation();
        final ChronicleView view = new ChronicleView();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final int iterations = 100_000;
        long checksum = 0;
        for (int pass = 0; pass < 2; pass++) {
            // The first pass warms up (class loading, JIT); the second is measured.
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < iterations; i++) {
                final int offset = (i * 64) & 4095;
                window.wrap(slice, offset, 16);
                reservation.wrap(window).writeLong(i).writeLong(-i);
                final Bytes<?> in = view.wrap(window);
                checksum += in.readLong() + in.readLong();
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (pass == 1) {
                // A few hundred bytes of measurement noise at most; one object per message would be megabytes.
                assertTrue(allocated < iterations, allocated + " bytes allocated over " + iterations + " messages");
            }
        }
        assertEquals(0, checksum);
    }

    private Stream connect(final SessionConfig config) throws ShmIpcException {
        server = ShmServer.start(dir.resolve("chronicle.sock"), config, ECHO);
        session = Session.connect(dir.resolve("chronicle.sock"), config);
        final Stream stream = session.openStream();
        stream.readTimeout(TIMEOUT);
        return stream;
    }

    private static void encode(final Bytes<?> out, final long id, final byte[] payload) {
        out.writeLong(id).writeInt(payload.length).write(payload);
        out.writeLong(sum(payload));
    }

    private static void assertDecodes(final Bytes<?> in, final long id, final int size) {
        assertEquals(id, in.readLong(), "id");
        final int length = in.readInt();
        assertEquals(size, length, "payload length");
        final byte[] payload = new byte[length];
        in.read(payload);
        assertArrayEquals(payload(size, id), payload, "payload of message " + id);
        assertEquals(sum(payload), in.readLong(), "checksum");
    }

    private static byte[] agronaEncoded(final long id, final byte[] payload) {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[OVERHEAD + payload.length]);
        message.putLong(0, id);
        message.putInt(8, payload.length);
        message.putBytes(12, payload);
        message.putLong(12 + payload.length, sum(payload));
        return message.byteArray();
    }

    private static byte[] payload(final int length, final long seed) {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7);
        }
        return bytes;
    }

    private static byte[] fill(final int length) {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 0x5A);
        return bytes;
    }

    private static long sum(final byte[] bytes) {
        long sum = 0;
        for (final byte b : bytes) {
            sum = sum * 31 + b;
        }
        return sum;
    }
}
