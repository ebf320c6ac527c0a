package io.shmipc.core.chronicle;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.PointerBytesStore;
import org.agrona.DirectBuffer;

import java.nio.ByteBuffer;

/**
 * A reusable Chronicle {@link Bytes} over the memory of an Agrona buffer, exactly as long as that buffer: positions
 * run from 0 to the buffer's capacity and Chronicle's bounds checks stop every access outside it.
 *
 * <p>Memory that is not on the Java heap (shared-memory slices) is pointed at with one {@link PointerBytesStore}
 * kept for the window's life, so moving the window allocates nothing. A heap array (the writer's overflow buffer,
 * inline fallback data, the reader's copy of data that spans slices) gets a store of its own, sized to the buffer,
 * unless it is the same range as last time: those are the already-copying paths, where a few small objects do not
 * matter and a store larger than the buffer would let a caller raise the limit past it.
 *
 * <p>Not thread-safe: one thread at a time, as for the reader and writer it serves.
 */
final class ChronicleWindow {
    private static final byte[] NO_BYTES = new byte[0];

    private final PointerBytesStore nativeStore = new PointerBytesStore();
    private final Bytes<Void> nativeBytes = unconfined(nativeStore.bytesForWrite());
    private final Bytes<byte[]> emptyBytes = unconfined(Bytes.wrapForWrite(NO_BYTES));
    private Bytes<ByteBuffer> heapBytes;
    private byte[] heapArray;
    private int heapOffset;
    private int heapLength;
    private Bytes<?> current = emptyBytes;

    /** Points the window at {@code buffer} for writing: write position 0, write limit its capacity. */
    Bytes<?> forWrite(final DirectBuffer buffer) {
        final Bytes<?> bytes = moveTo(buffer);
        bytes.clear();
        return bytes;
    }

    /** Points the window at {@code buffer} for reading: read position 0, read and write limits its capacity. */
    Bytes<?> forRead(final DirectBuffer buffer) {
        final Bytes<?> bytes = moveTo(buffer);
        bytes.clear();
        // clear() leaves nothing readable; everything up to the end is the received data.
        bytes.readPositionRemaining(0, buffer.capacity());
        return bytes;
    }

    /** The Bytes the window last returned. */
    Bytes<?> current() {
        return current;
    }

    private Bytes<?> moveTo(final DirectBuffer buffer) {
        current = bytesOver(buffer);
        return current;
    }

    private Bytes<?> bytesOver(final DirectBuffer buffer) {
        final int length = buffer.capacity();
        if (length == 0) {
            return emptyBytes;
        }
        final byte[] array = buffer.byteArray();
        if (array == null) {
            // Agrona's addressOffset() is the absolute address for memory off the heap.
            nativeStore.set(buffer.addressOffset(), length);
            return nativeBytes;
        }
        final int offset = buffer.wrapAdjustment();
        if (array != heapArray || offset != heapOffset || length != heapLength) {
            heapBytes = unconfined(BytesStore.wrap(ByteBuffer.wrap(array, offset, length).slice()).bytesForWrite());
            heapArray = array;
            heapOffset = offset;
            heapLength = length;
        }
        return heapBytes;
    }

    /**
     * Turns off Chronicle's single-thread check (active with -ea), which would take a window passed from thread to
     * thread between messages (a handler pool) for concurrent use. Resetting it per message instead costs an
     * allocation per message with -ea.
     */
    private static <T> Bytes<T> unconfined(final Bytes<T> bytes) {
        bytes.singleThreadedCheckDisabled(true);
        return bytes;
    }
}
