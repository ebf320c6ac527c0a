package io.shmipc.demo;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamReader;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * The echo protocol every demo, test and interop peer speaks (Java and Go alike): each message on a stream is
 * {@code u32 big-endian payload length | u32 big-endian CRC-32 (IEEE) of the payload | payload}. The server checks
 * the CRC and sends the identical frame back.
 */
public final class EchoFrame {
    public static final int HEADER_LENGTH = 8;
    public static final int LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    /** Largest payload a peer may announce. */
    public static final int MAX_PAYLOAD = 64 << 20;

    private EchoFrame() {
    }

    /** CRC-32 of bytes in any Agrona buffer (heap array or off-heap address), without copying. */
    public static int crc32(final DirectBuffer buffer, final int index, final int length) {
        final byte[] array = buffer.byteArray();
        if (array != null) {
            final CRC32 crc = new CRC32();
            crc.update(array, (int) (buffer.addressOffset() - org.agrona.BufferUtil.ARRAY_BASE_OFFSET) + index, length);
            return (int) crc.getValue();
        }
        // A direct ByteBuffer over the shared memory (made by JNA, no JVM flags needed) lets CRC32 read it in place.
        final CRC32 crc = new CRC32();
        crc.update(new com.sun.jna.Pointer(buffer.addressOffset()).getByteBuffer(index, length));
        return (int) crc.getValue();
    }

    public static int crc32(final byte[] data, final int offset, final int length) {
        final CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    /** Fills {@code payload} with a pattern that differs per call and per position. */
    public static void fill(final byte[] payload, final long call) {
        long x = call * 0x9E3779B97F4A7C15L + payload.length;
        for (int i = 0; i < payload.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            payload[i] = (byte) x;
        }
    }

    /** Writes one frame (header straight into shared memory, then the payload) and flushes it. */
    public static void send(final Stream stream, final byte[] payload, final int length) throws ShmIpcException {
        final MutableDirectBuffer header = stream.writer().reserve(HEADER_LENGTH);
        header.putInt(LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        header.putInt(CRC_OFFSET, crc32(payload, 0, length), ByteOrder.BIG_ENDIAN);
        stream.writer().write(payload, 0, length);
        stream.writer().flush();
    }

    /**
     * Reads one frame into {@code into} (which must be large enough), verifying its CRC. Returns the payload length,
     * or -1 at a clean end of the stream.
     */
    public static int receive(final Stream stream, final byte[] into) throws ShmIpcException {
        final StreamReader reader = stream.reader();
        if (!awaitHeader(reader)) {
            return -1;
        }
        final DirectBuffer header = reader.view(HEADER_LENGTH);
        final int length = header.getInt(LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        final int crc = header.getInt(CRC_OFFSET, ByteOrder.BIG_ENDIAN);
        reader.release(HEADER_LENGTH);
        if (length < 0 || length > into.length) {
            throw new EchoMismatchException("frame announces " + Integer.toUnsignedString(length)
                + " bytes, more than the " + into.length + " expected");
        }
        reader.readFully(into, 0, length);
        final int actual = crc32(into, 0, length);
        if (actual != crc) {
            throw new EchoMismatchException(String.format("CRC mismatch on a %d-byte frame: header says %08x, payload has %08x",
                length, crc, actual));
        }
        return length;
    }

    /**
     * Server side: echoes one frame without copying it to the heap when it fits one slice. Returns false at a clean
     * end of the stream.
     */
    public static boolean echoOnce(final Stream stream) throws ShmIpcException {
        final StreamReader reader = stream.reader();
        if (!awaitHeader(reader)) {
            return false;
        }
        final DirectBuffer header = reader.view(HEADER_LENGTH);
        final int length = header.getInt(LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        final int crc = header.getInt(CRC_OFFSET, ByteOrder.BIG_ENDIAN);
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new EchoMismatchException("frame announces " + Integer.toUnsignedString(length) + " bytes");
        }
        final MutableDirectBuffer out = stream.writer().reserve(HEADER_LENGTH);
        out.putInt(LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        out.putInt(CRC_OFFSET, crc, ByteOrder.BIG_ENDIAN);
        reader.release(HEADER_LENGTH);
        final DirectBuffer payload = reader.view(length);
        final int actual = crc32(payload, 0, length);
        if (actual != crc) {
            stream.writer().abort();
            throw new EchoMismatchException(String.format("CRC mismatch on a %d-byte frame: header says %08x, payload has %08x",
                length, crc, actual));
        }
        stream.writer().write(payload, 0, length);
        reader.release(length);
        stream.writer().flush();
        return true;
    }

    /** Waits for a frame header; false at a clean end of the stream, an error if it ends inside one. */
    private static boolean awaitHeader(final StreamReader reader) throws ShmIpcException {
        if (reader.await(HEADER_LENGTH, 0)) {
            return true;
        }
        if (reader.available() == 0) {
            return false;
        }
        throw new EchoMismatchException("stream ended inside a frame header");
    }

    /** A frame that does not match what was sent: corruption. */
    public static final class EchoMismatchException extends ShmIpcException {
        private static final long serialVersionUID = 1L;

        public EchoMismatchException(final String message) {
            super(message);
        }
    }
}
