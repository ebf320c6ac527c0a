package io.shmipc.core;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import java.util.ArrayDeque;

/**
 * Received, not yet consumed data of one stream: a FIFO of segments, each a run of bytes in a shared-memory slice,
 * a heap array (fallback data) or the stream's local buffer (small messages copied out of the message ring).
 * Filled by whichever thread drains the session's queue, consumed by the stream's reader; guarded by the instance
 * monitor, held only for a few field updates.
 *
 * <p>The local buffer is a byte ring of {@value #LOCAL_CAPACITY} bytes outside the Java heap (so that readers get
 * views at a fixed address, as over slices), allocated when a stream receives its second small message: one-message
 * streams never pay for it. A small message lands there without taking a slice from the shared pool, and is gone
 * with one index update once read. When it has no room the caller falls back to a slice, so it bounds the memory a
 * stream holds.
 */
final class Inbound {
    static final int HEAP = -1;
    /** Marks a segment in the local buffer. */
    static final int LOCAL = -2;
    static final int LOCAL_CAPACITY = 4096;
    /** Messages longer than this never go to the local buffer, so that several always fit. */
    static final int MAX_LOCAL_MESSAGE = LOCAL_CAPACITY / 4;

    private final long regionAddress;
    private final java.util.function.LongConsumer heapReleased;

    private int[] slices = new int[16];
    private int[] indexes = new int[16];
    private int[] lengths = new int[16];
    /** For a LOCAL segment: its end as a position of the local buffer (positions only grow). */
    private long[] localEnds = new long[16];
    private final ArrayDeque<byte[]> heap = new ArrayDeque<>();
    private UnsafeBuffer local;
    /** A small message arrived before: the next one allocates the local buffer. */
    private boolean smallSeen;
    /** The reader takes messages off the stream (which keeps slices in place): no local buffer from now on. */
    private boolean slicesOnly;
    /** Positions in the local buffer: written up to localTail, read and given back up to localHead. */
    private long localTail;
    private long localHead;
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

    /**
     * @param regionAddress where the session's buffer region starts, to which slice segments' indexes are relative
     * @param heapReleased  told the length of each heap array once it leaves this buffer
     */
    Inbound(final long regionAddress, final java.util.function.LongConsumer heapReleased) {
        this.regionAddress = regionAddress;
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

    /**
     * Copies a small message into the local buffer; false (nothing done) when it is longer than
     * {@link #MAX_LOCAL_MESSAGE} or the buffer has no room for it now.
     */
    synchronized boolean addLocal(final DirectBuffer src, final int index, final int length) {
        if (length > MAX_LOCAL_MESSAGE || slicesOnly) {
            return false;
        }
        if (local == null) {
            if (!smallSeen) {
                smallSeen = true;
                return false;
            }
            local = new UnsafeBuffer(ByteBuffer.allocateDirect(LOCAL_CAPACITY));
        }
        long start = localTail;
        if ((int) (start & (LOCAL_CAPACITY - 1)) + length > LOCAL_CAPACITY) {
            // A segment is contiguous: skip the rest of this lap.
            start = (start | (LOCAL_CAPACITY - 1)) + 1;
        }
        final long end = start + length;
        if (end - localHead > LOCAL_CAPACITY) {
            return false;
        }
        final int at = (int) (start & (LOCAL_CAPACITY - 1));
        local.putBytes(at, src, index, length);
        localTail = end;
        push(LOCAL, at, length);
        localEnds[(head + count - 1) & (slices.length - 1)] = end;
        return true;
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
        final long[] e = new long[capacity];
        for (int k = 0; k < count; k++) {
            final int from = (head + k) & (slices.length - 1);
            s[k] = slices[from];
            i[k] = indexes[from];
            l[k] = lengths[from];
            e[k] = localEnds[from];
        }
        slices = s;
        indexes = i;
        lengths = l;
        localEnds = e;
        head = 0;
    }

    /**
     * Receives the position of the next unread bytes: at an address outside the heap (a slice of the region, the
     * local buffer) or in a heap array.
     */
    interface Cursor {
        void at(int slice, long address, byte[] heapArray, int heapIndex, int length);
    }

    /** Calls the cursor for the unread part of the head segment (possibly empty); false if nothing is buffered. */
    synchronized boolean head(final Cursor cursor) {
        if (count == 0) {
            return false;
        }
        final int remaining = lengths[head] - headConsumed;
        if (slices[head] == HEAP) {
            cursor.at(HEAP, 0, heap.peekFirst(), headConsumed, remaining);
        } else if (slices[head] == LOCAL) {
            cursor.at(LOCAL, local.addressOffset() + indexes[head] + headConsumed, null, 0, remaining);
        } else {
            cursor.at(slices[head], regionAddress + indexes[head] + headConsumed, null, 0, remaining);
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
                final long localEnd = localEnds[head];
                head = (head + 1) & (slices.length - 1);
                count--;
                headConsumed = 0;
                if (slice == HEAP) {
                    heap.pollFirst();
                    heapReleased.accept(length);
                } else if (slice == LOCAL) {
                    localHead = localEnd;
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
                if (slices[at] == HEAP) {
                    heapReleased.accept(lengths[at]);
                } else if (slices[at] != LOCAL) {
                    toFree[n++] = slices[at];
                }
            }
            dropped = available;
            heap.clear();
            count = 0;
            head = 0;
            headConsumed = 0;
            available = 0;
            localHead = localTail;
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
                } else if (slices[at] == LOCAL) {
                    dst.putBytes(dstIndex + copied, local, indexes[at] + skip, n);
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

    /**
     * From now on small messages go to slices too: a reader that takes messages off the stream gets them in place
     * from a slice, where a message in the local buffer would have to be copied.
     */
    synchronized void useSlicesOnly() {
        slicesOnly = true;
    }

    /** Bytes of the local buffer that unread segments occupy (lap-end gaps included); 0 before it exists. */
    synchronized long localBytesHeld() {
        return localTail - localHead;
    }

    synchronized boolean hasLocalBuffer() {
        return local != null;
    }

    synchronized int segments() {
        return count;
    }
}
