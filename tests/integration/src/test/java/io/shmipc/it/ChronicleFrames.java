package io.shmipc.it;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamReader;
import io.shmipc.core.StreamWriter;
import io.shmipc.core.chronicle.ChronicleReservation;
import io.shmipc.core.chronicle.ChronicleView;
import net.openhft.chronicle.bytes.Bytes;

import java.util.zip.CRC32;

/**
 * Length-prefixed frames whose bodies are encoded and decoded with Chronicle Bytes, for {@link ChroniclePeerMain} and
 * {@link ChronicleAcrossProcessesTest}. A body that fits a slice is encoded in place into a reservation of its
 * largest length, which {@link ChronicleReservation#finish} trims; a larger one is encoded into a heap Bytes and
 * written (so the receiver sees it span slices and decodes the reader's copy).
 *
 * <p>Bodies: a request is id (long), label (UTF-8), payload length (stop bit), payload, CRC-32 of the payload (long);
 * a reply is id, the CRC the peer computed, payload length, the payload it received.
 */
final class ChronicleFrames {
    private static final int PREFIX = Integer.BYTES;
    /** Room for id, label, stop-bit length and CRC around a payload. */
    static final int BODY_OVERHEAD = 64;

    private final StreamWriter writer;
    private final StreamReader reader;
    private final ChronicleReservation reservation = new ChronicleReservation();
    private final ChronicleView view = new ChronicleView();
    private final Bytes<byte[]> large = Bytes.allocateElasticOnHeap(1 << 16);
    private final CRC32 crc = new CRC32();
    private Bytes<?> out;
    private byte[] scratch = new byte[1 << 16];

    ChronicleFrames(final Stream stream) {
        this.writer = stream.writer();
        this.reader = stream.reader();
    }

    /** Starts a frame whose body is at most {@code maxBody} bytes; encode the body into the result. */
    Bytes<?> begin(final int maxBody) throws ShmIpcException {
        if (PREFIX + maxBody <= writer.maxReservation()) {
            out = reservation.reserve(writer, PREFIX + maxBody);
        } else {
            large.clear();
            out = large;
        }
        out.writeSkip(PREFIX);
        return out;
    }

    /** Ends the frame begun last: writes its length prefix and hands it to the writer (not flushed). */
    void end() throws ShmIpcException {
        out.writeInt(0, (int) out.writePosition() - PREFIX);
        if (out == large) {
            writer.write(large.underlyingObject(), 0, (int) large.writePosition());
        } else {
            reservation.finish(writer);
        }
    }

    void flush() throws ShmIpcException {
        writer.flush();
    }

    /** Waits for the next frame and returns its body length; -1 if the stream ended first. */
    int next() throws ShmIpcException {
        if (!reader.await(PREFIX, 0)) {
            return -1;
        }
        final int length = view.view(reader, PREFIX).readInt();
        reader.release(PREFIX);
        return length;
    }

    /** The body of {@code length} bytes announced by {@link #next()}, decoded with Chronicle in place. */
    Bytes<?> body(final int length) throws ShmIpcException {
        return view.view(reader, length);
    }

    /** Done with the body: its bytes go back to the stream. */
    void release(final int length) {
        reader.release(length);
    }

    /** Reads a stop-bit length and that many payload bytes from {@code in} into the returned scratch array. */
    byte[] readPayload(final Bytes<?> in, final int[] lengthOut) {
        final int length = (int) in.readStopBit();
        if (scratch.length < length) {
            scratch = new byte[length];
        }
        in.read(scratch, 0, length);
        lengthOut[0] = length;
        return scratch;
    }

    long crc(final byte[] bytes, final int length) {
        crc.reset();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }
}
