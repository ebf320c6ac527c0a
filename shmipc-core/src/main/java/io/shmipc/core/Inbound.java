package io.shmipc.core;

import java.util.ArrayDeque;

/**
 * Received, not yet consumed data of one stream: a FIFO of segments, each a run of bytes in a shared-memory slice
 * or a heap array (fallback data). Filled by whichever thread drains the session's queue, consumed by the
 * stream's reader; guarded by the instance monitor, held only for a few field updates.
 */
final class Inbound {
    static final int HEAP = -1;

    private final java.util.function.LongConsumer heapReleased;

    private int[] slices = new int[16];
    private int[] indexes = new int[16];
    private int[] lengths = new int[16];
    private final ArrayDeque<byte[]> heap = new ArrayDeque<>();
    private int head;
    private int count;
    /** Bytes already consumed from the head segment. */
    private int headConsumed;
    private volatile long available;
    private static final java.lang.invoke.VarHandle AVAILABLE;

    static {
        try {
            AVAILABLE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Inbound.class, "available", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** @param heapReleased told the length of each heap array once it leaves this buffer */
    Inbound(final java.util.function.LongConsumer heapReleased) {
        this.heapReleased = heapReleased;
    }

    long available() {
        return available;
    }

    synchronized void addSlice(final int slice, final int dataIndex, final int length) {
        push(slice, dataIndex, length);
    }

    synchronized void addHeap(final byte[] data) {
        heap.addLast(data);
        push(HEAP, 0, data.length);
    }

    private void push(final int slice, final int index, final int length) {
        if (count == slices.length) {
            grow();
        }
        final int at = (head + count) & (slices.length - 1);
        slices[at] = slice;
        indexes[at] = index;
        lengths[at] = length;
        count++;
        available += length;
    }

    private void grow() {
        final int capacity = slices.length * 2;
        final int[] s = new int[capacity];
        final int[] i = new int[capacity];
        final int[] l = new int[capacity];
        for (int k = 0; k < count; k++) {
            final int from = (head + k) & (slices.length - 1);
            s[k] = slices[from];
            i[k] = indexes[from];
            l[k] = lengths[from];
        }
        slices = s;
        indexes = i;
        lengths = l;
        head = 0;
    }

    /** Receives the position of the next unread bytes: in a slice (region index) or in a heap array. */
    interface Cursor {
        void at(int slice, int regionIndex, byte[] heapArray, int heapIndex, int length);
    }

    /** Calls the cursor for the unread part of the head segment (possibly empty); false if nothing is buffered. */
    synchronized boolean head(final Cursor cursor) {
        if (count == 0) {
            return false;
        }
        final int remaining = lengths[head] - headConsumed;
        if (slices[head] == HEAP) {
            cursor.at(HEAP, 0, heap.peekFirst(), headConsumed, remaining);
        } else {
            cursor.at(slices[head], indexes[head] + headConsumed, null, 0, remaining);
        }
        return true;
    }

    /**
     * Consumes {@code bytes} from the front, and empty segments right behind them. Each slice fully consumed is
     * reported to {@code freed} (after it is removed from this buffer) so the caller can give it back to the pool;
     * one monitor for the whole call, since this runs once per message read.
     */
    void consume(final long bytes, final java.util.function.IntConsumer freed) {
        long left = bytes;
        synchronized (this) {
            while (count > 0) {
                final int remaining = lengths[head] - headConsumed;
                if (left < remaining) {
                    headConsumed += (int) left;
                    consumed(left);
                    return;
                }
                left -= remaining;
                consumed(remaining);
                final int slice = slices[head];
                final int length = lengths[head];
                head = (head + 1) & (slices.length - 1);
                count--;
                headConsumed = 0;
                if (slice == HEAP) {
                    heap.pollFirst();
                    heapReleased.accept(length);
                } else {
                    freed.accept(slice);
                }
                if (left == 0 && (count == 0 || lengths[head] != 0)) {
                    return;
                }
            }
        }
    }

    /**
     * Only the reader lowers {@link #available}, under the monitor: a release store is enough (nobody waits for it
     * to go down), where a volatile one would fence every message.
     */
    private void consumed(final long bytes) {
        AVAILABLE.setRelease(this, available - bytes);
    }

    /** Removes everything; reports every slice to {@code freed}. Returns the number of bytes dropped. */
    long clear(final java.util.function.IntConsumer freed) {
        final int[] toFree;
        final long dropped;
        synchronized (this) {
            toFree = new int[count];
            int n = 0;
            for (int k = 0; k < count; k++) {
                final int at = (head + k) & (slices.length - 1);
                if (slices[at] != HEAP) {
                    toFree[n++] = slices[at];
                } else {
                    heapReleased.accept(lengths[at]);
                }
            }
            dropped = available;
            heap.clear();
            count = 0;
            head = 0;
            headConsumed = 0;
            available = 0;
            for (int k = 0; k < n; k++) {
                freed.accept(toFree[k]);
            }
        }
        return dropped;
    }

    /** Copies {@code length} unread bytes from the front into {@code dst} without consuming them. */
    synchronized void copyTo(final org.agrona.DirectBuffer region, final org.agrona.MutableDirectBuffer dst,
                             final int dstIndex, final int length) {
        int copied = 0;
        int skip = headConsumed;
        for (int k = 0; k < count && copied < length; k++) {
            final int at = (head + k) & (slices.length - 1);
            final int n = Math.min(lengths[at] - skip, length - copied);
            if (n > 0) {
                if (slices[at] == HEAP) {
                    dst.putBytes(dstIndex + copied, heapAt(k), skip, n);
                } else {
                    dst.putBytes(dstIndex + copied, region, indexes[at] + skip, n);
                }
                copied += n;
            }
            skip = 0;
        }
    }

    private byte[] heapAt(final int segment) {
        int heapSegments = 0;
        for (int k = 0; k < segment; k++) {
            if (slices[(head + k) & (slices.length - 1)] == HEAP) {
                heapSegments++;
            }
        }
        int i = 0;
        for (final byte[] array : heap) {
            if (i++ == heapSegments) {
                return array;
            }
        }
        throw new IllegalStateException("heap segment missing");
    }

    synchronized int segments() {
        return count;
    }
}
