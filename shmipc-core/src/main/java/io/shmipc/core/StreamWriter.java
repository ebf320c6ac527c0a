package io.shmipc.core;

import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.layout.SliceDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Writes one message at a time into shared-memory slices; {@link #flush()} sends it. When the buffer region is
 * exhausted the message continues in heap memory and goes inline on the control connection (FallbackData), so
 * nothing is dropped.
 *
 * <p>From a stream's second message on, a message small enough to travel in the session's message ring is written
 * to a buffer of the writer's own (outside the Java heap, like a slice) and copied into the ring on flush: it never
 * takes a slice from the pool. Once it outgrows that buffer it moves to slices and goes on there.
 */
public final class StreamWriter {
    private static final int HEAP_KEEP_BYTES = 1 << 20;

    private final Stream stream;
    private final Session session;
    private final BufferPool pool;
    private final AtomicBuffer region;
    private final IntArrayList slices = new IntArrayList();
    private static final byte[] EMPTY = new byte[0];

    private final UnsafeBuffer reserved = new UnsafeBuffer(0, 0);
    /** Reused view of a caller's array, released after each write so the writer never pins it. */
    private final UnsafeBuffer arraySource = new UnsafeBuffer(EMPTY);
    private int currentSlice = BufferPool.NO_SLICE;
    private int currentCapacity;
    private int currentSize;
    private long pending;
    private boolean heapMode;
    private ExpandableArrayBuffer heap = new ExpandableArrayBuffer(0);
    private int heapLength;
    /** The message so far while it fits a ring record; allocated for the second message, never without rings. */
    private UnsafeBuffer small;
    /** A message was flushed before: the next small one allocates {@link #small}. */
    private boolean flushedBefore;
    private final int smallCapacity;
    private boolean inSmall;

    StreamWriter(final Stream stream, final Session session) {
        this.stream = stream;
        this.session = session;
        this.pool = session.pool();
        this.region = pool.region();
        this.smallCapacity = Math.max(0, session.maxRingDataLength());
    }

    /** The largest length {@link #reserve(int)} accepts: the data capacity of the session's largest slice. */
    public int maxReservation() {
        return pool.maxSliceCapacity();
    }

    /** Whether the message being written is in the writer's own small-message buffer (not in slices). */
    boolean writingSmall() {
        return inSmall;
    }

    /** Bytes written since the last flush. */
    public long pending() {
        return pending;
    }

    /**
     * Reserves {@code length} contiguous bytes of the message and returns them for the caller to fill in place
     * (zero copy). The view is valid until the next call on this writer. {@code length} is at most the largest slice.
     */
    public MutableDirectBuffer reserve(final int length) throws ShmIpcException {
        stream.checkWritable();
        if (length < 0 || length > pool.maxSliceCapacity()) {
            throw new IllegalArgumentException("reserve between 0 and " + pool.maxSliceCapacity() + " bytes, got "
                + length + "; use write() for larger data");
        }
        if (smallTakes(length)) {
            reserved.wrap(small.addressOffset() + pending, length);
            pending += length;
            return reserved;
        }
        if (!heapMode && (currentSlice == BufferPool.NO_SLICE || currentCapacity - currentSize < length)
            && !nextSlice(length, length)) {
            switchToHeap();
        }
        pending += length;
        if (heapMode) {
            heap.checkLimit(heapLength + length);
            reserved.wrap(heap.byteArray(), heapLength, length);
            heapLength += length;
            return reserved;
        }
        reserved.wrap(region.addressOffset() + BufferPool.dataIndex(currentSlice) + currentSize, length);
        currentSize += length;
        return reserved;
    }

    /**
     * Gives back the last {@code unused} bytes of the latest {@link #reserve(int)}, so that a message encoded into a
     * reservation of its largest possible length is sent at its real length. Only right after that reservation,
     * before any other call on this writer; the reserved view shrinks accordingly.
     *
     * @throws IllegalStateException if the latest call was not a reservation of at least {@code unused} bytes
     */
    public void shrinkReservation(final int unused) {
        final int kept = reserved.capacity() - unused;
        final boolean inHeap = heapMode && reserved.byteArray() == heap.byteArray()
            && reserved.wrapAdjustment() + reserved.capacity() == heapLength;
        final boolean inSlice = !heapMode && currentSlice != BufferPool.NO_SLICE && reserved.byteArray() == null
            && reserved.addressOffset() + reserved.capacity()
            == region.addressOffset() + BufferPool.dataIndex(currentSlice) + currentSize;
        final boolean inSmallBuffer = inSmall && reserved.byteArray() == null
            && reserved.addressOffset() + reserved.capacity() == small.addressOffset() + pending;
        if (unused < 0 || kept < 0 || !(inHeap || inSlice || inSmallBuffer)) {
            throw new IllegalStateException("cannot give back " + unused + " bytes: the latest call on the writer "
                + "was not a reservation of at least that many (reserved view " + reserved.capacity() + " bytes)");
        }
        if (inHeap) {
            heapLength -= unused;
            reserved.wrap(heap.byteArray(), reserved.wrapAdjustment(), kept);
        } else if (inSmallBuffer) {
            reserved.wrap(reserved.addressOffset(), kept);
        } else {
            currentSize -= unused;
            reserved.wrap(reserved.addressOffset(), kept);
        }
        pending -= unused;
    }

    /** Appends bytes to the message, across as many slices as needed. */
    public void write(final byte[] src, final int offset, final int length) throws ShmIpcException {
        arraySource.wrap(src);
        try {
            write(arraySource, offset, length);
        } finally {
            arraySource.wrap(EMPTY);
        }
    }

    /** Appends bytes to the message, across as many slices as needed. */
    public void write(final DirectBuffer src, final int offset, final int length) throws ShmIpcException {
        stream.checkWritable();
        if (smallTakes(length)) {
            small.putBytes((int) pending, src, offset, length);
            pending += length;
            return;
        }
        writeToSlices(src, offset, length);
    }

    /** Appends to the message in slices (or in the heap once the region is exhausted). */
    private void writeToSlices(final DirectBuffer src, final int offset, final int length) throws ShmIpcException {
        int from = offset;
        int left = length;
        while (left > 0) {
            if (heapMode) {
                heap.putBytes(heapLength, src, from, left);
                heapLength += left;
                pending += left;
                return;
            }
            int room = currentSlice == BufferPool.NO_SLICE ? 0 : currentCapacity - currentSize;
            if (room == 0) {
                if (!nextSlice(1, left)) {
                    switchToHeap();
                    continue;
                }
                room = currentCapacity;
            }
            final int n = Math.min(room, left);
            region.putBytes(BufferPool.dataIndex(currentSlice) + currentSize, src, from, n);
            currentSize += n;
            from += n;
            left -= n;
            pending += n;
        }
    }

    /** Sends the message written since the last flush. Does nothing if it is empty. */
    public void flush() throws ShmIpcException {
        if (pending == 0) {
            return;
        }
        try {
            stream.checkWritable();
            flushedBefore = true;
            if (inSmall) {
                if (stream.fallbackMode) {
                    final byte[] copy = new byte[(int) pending];
                    small.getBytes(0, copy);
                    session.sendFallback(stream.id(), copy, 0, copy.length);
                } else {
                    session.publishData(stream.id(), small, 0, (int) pending);
                }
                return;
            }
            if (!heapMode && stream.fallbackMode) {
                switchToHeap();
            }
            if (heapMode) {
                stream.fallbackMode = true;
                session.sendFallback(stream.id(), heap.byteArray(), 0, heapLength);
            } else if (slices.size() == 1 && pending <= session.maxRingDataLength()) {
                // Ring-sized but written into a slice (a stream's first message, or one shrunk back to ring size):
                // copied into the ring; abort() below returns the slice.
                session.publishData(stream.id(), region, BufferPool.dataIndex(currentSlice), (int) pending);
            } else {
                pool.setSliceSize(currentSlice, currentSize);
                final int first = slices.getInt(0);
                slices.clear();
                currentSlice = BufferPool.NO_SLICE;
                session.publish(stream.id(), first, pending);
            }
        } finally {
            abort();
        }
    }

    /** Drops the message written since the last flush and gives its slices back. */
    public void abort() {
        for (int i = 0; i < slices.size(); i++) {
            session.freeOwnSlice(slices.getInt(i));
        }
        slices.clear();
        currentSlice = BufferPool.NO_SLICE;
        currentSize = 0;
        currentCapacity = 0;
        pending = 0;
        inSmall = false;
        heapMode = false;
        heapLength = 0;
        if (heap.capacity() > HEAP_KEEP_BYTES) {
            heap = new ExpandableArrayBuffer(0);
        }
    }

    /**
     * Whether {@code length} more bytes go to the small-message buffer: the message is there already (or nothing is
     * written yet) and still fits. When it no longer fits, what it holds moves to slices first.
     */
    private boolean smallTakes(final int length) throws ShmIpcException {
        if (heapMode || currentSlice != BufferPool.NO_SLICE || (!inSmall && pending != 0)) {
            return false;
        }
        if (pending + length <= smallCapacity) {
            if (small == null) {
                if (!flushedBefore) {
                    return false;
                }
                small = new UnsafeBuffer(ByteBuffer.allocateDirect(smallCapacity));
            }
            inSmall = true;
            return true;
        }
        if (inSmall) {
            final int held = (int) pending;
            inSmall = false;
            pending = 0;
            // One slice for what it holds and, where a class is that large, for what comes next.
            if (!nextSlice(held, (long) held + length)) {
                switchToHeap();
            }
            writeToSlices(small, 0, held);
        }
        return false;
    }

    private boolean nextSlice(final int minimum, final long wanted) throws ShmIpcException {
        final int slice = session.allocate((int) Math.min(wanted, Integer.MAX_VALUE));
        if (slice == BufferPool.NO_SLICE) {
            return false;
        }
        final int capacity = session.capacityOf(slice);
        if (capacity < minimum) {
            session.freeOwnSlice(slice);
            return false;
        }
        if (currentSlice != BufferPool.NO_SLICE) {
            pool.setSliceSize(currentSlice, currentSize);
            pool.linkChain(currentSlice, slice);
        }
        slices.addInt(slice);
        currentSlice = slice;
        currentCapacity = capacity;
        currentSize = 0;
        return true;
    }

    /** Moves what is in slices to the heap and continues there; the slices go back to the pool. */
    private void switchToHeap() {
        session.onAllocationFailure();
        heapLength = 0;
        for (int i = 0; i < slices.size(); i++) {
            final int slice = slices.getInt(i);
            final int size = slice == currentSlice ? currentSize : region.getInt(slice + SliceDescriptor.SIZE_OFFSET);
            heap.putBytes(heapLength, region, BufferPool.dataIndex(slice), size);
            heapLength += size;
            session.freeOwnSlice(slice);
        }
        slices.clear();
        currentSlice = BufferPool.NO_SLICE;
        currentSize = 0;
        currentCapacity = 0;
        heapMode = true;
    }
}
