package io.shmipc.core.chronicle;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.StreamWriter;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.MutableDirectBuffer;

/**
 * Chronicle Bytes over a {@link StreamWriter#reserve(int) reservation}: encode with Chronicle (Bytes marshallable,
 * a Chronicle Wire over the returned {@link Bytes}) straight into the shared-memory slice that
 * {@link StreamWriter#flush()} then sends, with no copy.
 *
 * <p>The returned {@code Bytes} starts at write position 0 and its write limit and capacity are the reserved length,
 * so a write past the reservation throws {@link java.nio.BufferOverflowException} (Chronicle's
 * {@code DecoratedBufferOverflowException}, "writeCheckOffset failed") before it touches memory; it cannot reach the
 * neighbouring bytes of the slice. Every reserved byte is sent unless {@link #finish(StreamWriter)} gives the
 * unwritten rest back: reserve the largest length a message can have, encode, then finish.
 *
 * <p>One object serves any number of reservations and the {@code Bytes} it returns is the same object each time
 * (no allocation per message over shared memory). That {@code Bytes} is valid, like the reservation, until the next
 * call on the writer, and is repointed by the next call on this object. Not thread-safe: one thread at a time,
 * which may change from one reservation to the next. Needs {@code net.openhft:chronicle-bytes} on the class path (an
 * optional dependency of shmipc-core).
 */
public final class ChronicleReservation {
    private final ChronicleWindow window;

    /** @throws IllegalStateException if {@code net.openhft:chronicle-bytes} is not on the class path */
    public ChronicleReservation() {
        ChronicleClassPath.require();
        this.window = new ChronicleWindow();
    }

    /**
     * Reserves {@code length} bytes of the writer's current message and returns them as Chronicle Bytes.
     *
     * @throws IllegalArgumentException if {@code length} is negative or above {@link StreamWriter#maxReservation()}
     * @throws ShmIpcException          if the stream cannot be written
     */
    public Bytes<?> reserve(final StreamWriter writer, final int length) throws ShmIpcException {
        return window.forWrite(writer.reserve(length));
    }

    /**
     * Ends the latest reservation where the encoding stopped: the bytes past the {@code Bytes}' write position go
     * back to the writer (see {@link StreamWriter#shrinkReservation(int)}) and are not sent. Call it after encoding,
     * before any other call on the writer.
     *
     * @return the length of the message as written
     * @throws IllegalStateException if the writer's latest call was not the reservation this object wraps
     */
    public int finish(final StreamWriter writer) {
        final Bytes<?> bytes = window.current();
        final int written = (int) bytes.writePosition();
        writer.shrinkReservation((int) bytes.writeLimit() - written);
        bytes.writeLimit(written);
        return written;
    }

    /** Chronicle Bytes over a buffer already returned by {@link StreamWriter#reserve(int)}. */
    public Bytes<?> wrap(final MutableDirectBuffer reserved) {
        return window.forWrite(reserved);
    }
}
