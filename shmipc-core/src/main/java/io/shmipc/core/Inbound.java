package io.shmipc.core;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Received, not yet consumed data of one stream: a FIFO of segments, each a run of bytes in a shared-memory slice,
 * a heap array (fallback data) or the stream's local buffer (small messages copied out of the message ring).
 * Filled by whichever thread drains the session's queue (one at a time), consumed by the stream's reader (one at a
 * time). Adding a segment takes the instance monitor, held for a few field updates. The reader looks at the head
 * segment, consumes it and takes it off without the monitor in the common case: segments are published by a release
 * store of the tail position, and the head moves by compare-and-set (clear(), from any thread, is the only other
 * party), so what the reader found at the head stays there until it moves on, and every segment is given back once.
 *
 * <p>The local buffer is a byte ring of {@value #LOCAL_CAPACITY} bytes outside the Java heap (so that readers get
 * views at a fixed address, as over slices), allocated when a stream receives its second small message: one-message
 * streams never pay for it. A small message lands there without taking a slice from the shared pool, and is gone
 * with one index update once read. When it has no room the caller falls back to a slice, so it bounds the memory a
 * stream holds. A message the reader takes off the stream stays where it is: its room is pinned, and producers write
 * no further than the pin until the taker releases it (one pin at a time; a take while one is held copies).
 */
final class Inbound {
    static final int HEAP = -1;
    /** Marks a segment in the local buffer. */
    static final int LOCAL = -2;
    static final int LOCAL_CAPACITY = 4096;
    /** Messages longer than this never go to the local buffer, so that several always fit. */
    static final int MAX_LOCAL_MESSAGE = LOCAL_CAPACITY / 4;
    private static final int INITIAL_SEGMENTS = 16;
    private static final long NO_PIN = Long.MAX_VALUE;

    private static final VarHandle TAIL;
    private static final VarHandle HEAD;
    private static final VarHandle LOCAL_HEAD;
    private static final VarHandle LOCAL_PINNED;
    private static final VarHandle SEGMENTS;
    private static final VarHandle RECEIVED;
    private static final VarHandle CONSUMED;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(Inbound.class, "tail", long.class);
            HEAD = lookup.findVarHandle(Inbound.class, "head", long.class);
            LOCAL_HEAD = lookup.findVarHandle(Inbound.class, "localHead", long.class);
            LOCAL_PINNED = lookup.findVarHandle(Inbound.class, "localPinned", long.class);
            SEGMENTS = lookup.findVarHandle(Inbound.class, "segments", Segments.class);
            RECEIVED = lookup.findVarHandle(Inbound.class, "received", long.class);
            CONSUMED = lookup.findVarHandle(Inbound.class, "consumed", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One generation of the segment table; a full one is copied into one twice as large, never changed in place. */
    private static final class Segments {
        final int mask;
        final int[] slices;
        final int[] indexes;
        final int[] lengths;
        /** For a LOCAL segment: its end as a position of the local buffer (positions only grow). */
        final long[] localEnds;

        Segments(final int capacity) {
            this.mask = capacity - 1;
            this.slices = new int[capacity];
            this.indexes = new int[capacity];
            this.lengths = new int[capacity];
            this.localEnds = new long[capacity];
        }
    }

    private final long regionAddress;
    private final java.util.function.LongConsumer heapReleased;

    /** Published (release) before the tail that first covers a segment it holds. */
    @SuppressWarnings("FieldMayBeFinal")
    private Segments segments = new Segments(INITIAL_SEGMENTS);
    /**
     * Segment positions: [head, tail) are buffered. The tail is the producers' (release). The head is moved by the
     * reader and by clear(), each taking a segment off with a compare-and-set, so that exactly one gives it back.
     */
    @SuppressWarnings("unused")
    private long tail;
    private volatile long head;
    /** Bytes already consumed from the head segment; the reader's. */
    private int headConsumed;
    /** Bytes ever added (producers, release) and ever consumed or dropped (the reader, release). */
    @SuppressWarnings("unused")
    private long received;
    @SuppressWarnings("unused")
    private long consumed;
    private final ArrayDeque<byte[]> heap = new ArrayDeque<>();
    private UnsafeBuffer local;
    /** A small message arrived before: the next one allocates the local buffer. */
    private boolean smallSeen;
    /** Positions in the local buffer: written up to localTail (producers), given back up to localHead (release). */
    private long localTail;
    @SuppressWarnings("unused")
    private long localHead;
    /**
     * A position at or before the bytes of a message taken off the stream and not yet released, which producers must
     * not write over; {@link #NO_PIN} when none is. Set by the reader before it consumes the message (so a producer
     * that sees the head move past it sees the pin too), cleared by whoever releases the message.
     */
    @SuppressWarnings("unused")
    private long localPinned = NO_PIN;

    /**
     * @param regionAddress where the session's buffer region starts, to which slice segments' indexes are relative
     * @param heapReleased  told the length of each heap array once it leaves this buffer
     */
    Inbound(final long regionAddress, final java.util.function.LongConsumer heapReleased) {
        this.regionAddress = regionAddress;
        this.heapReleased = heapReleased;
    }

    long available() {
        // Consumed first: a stale received can only make it look smaller, never more than was added.
        final long gone = (long) CONSUMED.getAcquire(this);
        return Math.max(0, (long) RECEIVED.getAcquire(this) - gone);
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
        if (length > MAX_LOCAL_MESSAGE) {
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
        // The head first: if it has moved past a message being taken, the pin set before that move is seen too.
        final long givenBack = (long) LOCAL_HEAD.getAcquire(this);
        if (end - Math.min(givenBack, (long) LOCAL_PINNED.getAcquire(this)) > LOCAL_CAPACITY) {
            return false;
        }
        final int at = (int) (start & (LOCAL_CAPACITY - 1));
        local.putBytes(at, src, index, length);
        localTail = end;
        push(LOCAL, at, length, end);
        return true;
    }

    private void push(final int slice, final int index, final int length) {
        push(slice, index, length, 0);
    }

    /** Under the monitor: writes the segment at the tail, then publishes it by moving the tail (release). */
    private void push(final int slice, final int index, final int length, final long localEnd) {
        final long position = tail;
        Segments table = segments;
        if (position - head > table.mask) {
            table = grow(table, position);
        }
        final int at = (int) position & table.mask;
        table.slices[at] = slice;
        table.indexes[at] = index;
        table.lengths[at] = length;
        table.localEnds[at] = localEnd;
        TAIL.setRelease(this, position + 1);
        // After the tail: whoever sees the bytes counted (available()) also sees the segment that holds them.
        RECEIVED.setRelease(this, received + length);
    }

    /** A table twice as large holding the buffered segments at their positions, published before any new one. */
    private Segments grow(final Segments full, final long tailPosition) {
        final Segments larger = new Segments((full.mask + 1) * 2);
        for (long position = head; position < tailPosition; position++) {
            final int from = (int) position & full.mask;
            final int to = (int) position & larger.mask;
            larger.slices[to] = full.slices[from];
            larger.indexes[to] = full.indexes[from];
            larger.lengths[to] = full.lengths[from];
            larger.localEnds[to] = full.localEnds[from];
        }
        SEGMENTS.setRelease(this, larger);
        return larger;
    }

    /**
     * Receives the position of the next unread bytes: at an address outside the heap (a slice of the region, the
     * local buffer) or in a heap array.
     */
    interface Cursor {
        void at(int slice, long address, byte[] heapArray, int heapIndex, int length);
    }

    /**
     * On the reader: calls the cursor for the unread part of the head segment (possibly empty); false if nothing is
     * buffered. Without the monitor unless the head segment is a heap array.
     */
    boolean head(final Cursor cursor) {
        final long position = head;
        if ((long) TAIL.getAcquire(this) == position) {
            return false;
        }
        // Read after the tail: a table at least as new as the one that held the segment when it was published.
        final Segments table = (Segments) SEGMENTS.getAcquire(this);
        final int at = (int) position & table.mask;
        final int slice = table.slices[at];
        final int remaining = table.lengths[at] - headConsumed;
        if (slice == LOCAL) {
            cursor.at(LOCAL, local.addressOffset() + table.indexes[at] + headConsumed, null, 0, remaining);
        } else if (slice != HEAP) {
            cursor.at(slice, regionAddress + table.indexes[at] + headConsumed, null, 0, remaining);
        } else {
            synchronized (this) {
                if (head != position) {
                    // Dropped meanwhile by clear().
                    return false;
                }
                cursor.at(HEAP, 0, heap.peekFirst(), headConsumed, remaining);
            }
        }
        return true;
    }

    /**
     * On the reader: consumes {@code bytes} from the front, and empty segments right behind them. Each slice fully
     * consumed is reported to {@code freed} (after it is removed from this buffer) so the caller can give it back to
     * the pool. Part of the head segment (a message header read on its own) is consumed without the monitor; removing
     * segments takes it once for the whole call.
     */
    void consume(final long bytes, final java.util.function.IntConsumer freed) {
        final long position = head;
        final long end = (long) TAIL.getAcquire(this);
        if (end != position) {
            final Segments table = (Segments) SEGMENTS.getAcquire(this);
            final int at = (int) position & table.mask;
            final int remaining = table.lengths[at] - headConsumed;
            if (bytes < remaining) {
                headConsumed += (int) bytes;
                consumed(bytes);
                return;
            }
            final int slice = table.slices[at];
            if (bytes == remaining && slice != HEAP
                && (end == position + 1 || table.lengths[(int) (position + 1) & table.mask] != 0)) {
                // The common case of a message read to its end: one segment off, no empty one behind it. Everything
                // about it is read before the head moves: from then on a producer may reuse its slot.
                final int length = table.lengths[at];
                final long localEnd = table.localEnds[at];
                if (HEAD.compareAndSet(this, position, position + 1)) {
                    headConsumed = 0;
                    consumed(bytes);
                    giveBack(slice, length, localEnd, freed);
                }
                // Otherwise clear() took it off (and gave it back) first.
                return;
            }
        }
        long left = bytes;
        synchronized (this) {
            final Segments table = segments;
            while (tail != head) {
                final int at = (int) head & table.mask;
                final int remaining = table.lengths[at] - headConsumed;
                if (left < remaining) {
                    headConsumed += (int) left;
                    consumed(left);
                    return;
                }
                left -= remaining;
                consumed(remaining);
                final int slice = table.slices[at];
                final int length = table.lengths[at];
                final long localEnd = table.localEnds[at];
                // Under the monitor clear() cannot run, and the reader is this thread: no contender for the head.
                head = head + 1;
                headConsumed = 0;
                giveBack(slice, length, localEnd, freed);
                if (left == 0 && (tail == head || table.lengths[(int) head & table.mask] != 0)) {
                    return;
                }
            }
        }
    }

    /**
     * A segment the reader took off: a heap array leaves the queue (under the monitor: the fast path never takes
     * one), the local buffer's room up to its end is free, a slice goes to {@code freed}.
     */
    private void giveBack(final int slice, final int length, final long localEnd,
                          final java.util.function.IntConsumer freed) {
        if (slice == HEAP) {
            heap.pollFirst();
            heapReleased.accept(length);
        } else if (slice == LOCAL) {
            LOCAL_HEAD.setRelease(this, localEnd);
        } else {
            freed.accept(slice);
        }
    }

    /** Only the reader (or clear()) moves {@link #consumed}: a release store, where a volatile one would fence. */
    private void consumed(final long bytes) {
        CONSUMED.setRelease(this, consumed + bytes);
    }

    /** Removes everything; reports every slice to {@code freed}. Returns the number of bytes dropped. */
    long clear(final java.util.function.IntConsumer freed) {
        final long dropped;
        synchronized (this) {
            final Segments table = segments;
            dropped = available();
            long position;
            while ((position = head) != tail) {
                // The reader may be taking the same segment off without the monitor: whoever moves the head frees it.
                if (!HEAD.compareAndSet(this, position, position + 1)) {
                    continue;
                }
                final int at = (int) position & table.mask;
                if (table.slices[at] == HEAP) {
                    heapReleased.accept(table.lengths[at]);
                } else if (table.slices[at] != LOCAL) {
                    freed.accept(table.slices[at]);
                }
            }
            heap.clear();
            headConsumed = 0;
            CONSUMED.setRelease(this, received);
            LOCAL_HEAD.setRelease(this, localTail);
        }
        return dropped;
    }

    /** On the reader: copies {@code length} unread bytes from the front into {@code dst} without consuming them. */
    synchronized void copyTo(final org.agrona.DirectBuffer region, final org.agrona.MutableDirectBuffer dst,
                             final int dstIndex, final int length) {
        final Segments table = segments;
        int copied = 0;
        int skip = headConsumed;
        int heapSegments = 0;
        for (long position = head; position != tail && copied < length; position++) {
            final int at = (int) position & table.mask;
            final int n = Math.min(table.lengths[at] - skip, length - copied);
            if (n > 0) {
                if (table.slices[at] == HEAP) {
                    dst.putBytes(dstIndex + copied, heapAt(heapSegments), skip, n);
                } else if (table.slices[at] == LOCAL) {
                    dst.putBytes(dstIndex + copied, local, table.indexes[at] + skip, n);
                } else {
                    dst.putBytes(dstIndex + copied, region, table.indexes[at] + skip, n);
                }
                copied += n;
            }
            if (table.slices[at] == HEAP) {
                heapSegments++;
            }
            skip = 0;
        }
    }

    /** The {@code index}-th heap array still buffered. */
    private byte[] heapAt(final int index) {
        int i = 0;
        for (final byte[] array : heap) {
            if (i++ == index) {
                return array;
            }
        }
        throw new IllegalStateException("heap segment missing");
    }

    /**
     * On the reader, before it consumes a message in the local buffer that it takes off the stream: keeps producers
     * from writing over the message until {@link #unpinLocal()}.
     *
     * @return false when another taken message holds the pin (this one must then be copied).
     */
    boolean pinLocal() {
        // Only the reader pins, so no compare-and-set: a pin still seen here is one not yet released (then copy).
        if ((long) LOCAL_PINNED.getAcquire(this) != NO_PIN) {
            return false;
        }
        // Everything unread lies at or after the head given back so far. A release store: it precedes the store of
        // the head that consuming the message makes, which is all a producer needs (it reads the head first).
        LOCAL_PINNED.setRelease(this, (long) LOCAL_HEAD.getAcquire(this));
        return true;
    }

    /** The message taken with {@link #pinLocal()} was released; any thread. */
    void unpinLocal() {
        LOCAL_PINNED.setRelease(this, NO_PIN);
    }

    /** Bytes of the local buffer that unread segments occupy (lap-end gaps included); 0 before it exists. */
    synchronized long localBytesHeld() {
        return localTail - (long) LOCAL_HEAD.getAcquire(this);
    }

    synchronized boolean hasLocalBuffer() {
        return local != null;
    }

    synchronized int segments() {
        return (int) (tail - head);
    }
}
