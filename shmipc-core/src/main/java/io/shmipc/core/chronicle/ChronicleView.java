package io.shmipc.core.chronicle;

import io.shmipc.core.ReceivedBytes;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.StreamReader;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.DirectBuffer;

/**
 * Chronicle Bytes over received bytes: decode with Chronicle straight from the shared-memory slice returned by
 * {@link StreamReader#view(int)} (or held by {@link ReceivedBytes}), with no copy when the bytes lie in one slice.
 * When they span slices the reader has already copied them to the heap, and the view reads that copy.
 *
 * <p>The returned {@code Bytes} has read position 0 and read limit, write limit and capacity all equal to the
 * viewed length, so a read past the end throws {@link java.nio.BufferUnderflowException} and nothing outside the
 * received bytes can be reached. It is read-only by contract: Chronicle has no read-only flag, and a write inside the
 * range would change the received bytes in place.
 *
 * <p>One object serves any number of messages and the {@code Bytes} it returns is the same object each time (no
 * allocation per message over shared memory). That {@code Bytes} is valid while the memory it views is: until
 * {@link StreamReader#release(int)} or the next view for a {@link #view(StreamReader, int) reader view}, until
 * {@link ReceivedBytes#release()} for {@link #wrap(ReceivedBytes)}, and until the next call on this object. Not
 * thread-safe: one thread at a time, which may change from one message to the next. Needs
 * {@code net.openhft:chronicle-bytes} on the class path (an optional dependency of shmipc-core).
 */
public final class ChronicleView {
    private final ChronicleWindow window;

    /** @throws IllegalStateException if {@code net.openhft:chronicle-bytes} is not on the class path */
    public ChronicleView() {
        ChronicleClassPath.require();
        this.window = new ChronicleWindow();
    }

    /**
     * The next {@code length} unread bytes of the reader, waiting for them, as Chronicle Bytes; the caller releases
     * them with {@link StreamReader#release(int)} once decoded.
     *
     * @throws io.shmipc.core.StreamClosedException if the stream ends before that many bytes arrive
     */
    public Bytes<?> view(final StreamReader reader, final int length) throws ShmIpcException {
        return window.forRead(reader.view(length));
    }

    /** Chronicle Bytes over bytes taken with {@link StreamReader#take(int)}; valid until they are released. */
    public Bytes<?> wrap(final ReceivedBytes received) {
        return window.forRead(received.buffer());
    }

    /** Chronicle Bytes over a buffer of received bytes, e.g. one returned by {@link StreamReader#view(int)}. */
    public Bytes<?> wrap(final DirectBuffer received) {
        return window.forRead(received);
    }
}
