package io.shmipc.core.buffer;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.BufferListDescriptor;
import io.shmipc.core.layout.BufferRegionDescriptor;
import io.shmipc.core.layout.SliceDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import java.util.Arrays;
import java.util.Comparator;

import static io.shmipc.core.layout.BufferListDescriptor.CAPACITY_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.DATA_CAPACITY_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.FREE_COUNT_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.HEAD_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.POP_COUNT_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.PUSH_COUNT_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.TAIL_OFFSET;
import static io.shmipc.core.layout.BufferRegionDescriptor.CAPABILITIES_OFFSET;
import static io.shmipc.core.layout.BufferRegionDescriptor.LIST_COUNT_OFFSET;
import static io.shmipc.core.layout.BufferRegionDescriptor.MAX_LISTS;
import static io.shmipc.core.layout.BufferRegionDescriptor.USED_LENGTH_OFFSET;
import static io.shmipc.core.layout.SliceDescriptor.FLAGS_OFFSET;
import static io.shmipc.core.layout.SliceDescriptor.FLAG_HAS_NEXT;
import static io.shmipc.core.layout.SliceDescriptor.FLAG_IN_USE;
import static io.shmipc.core.layout.SliceDescriptor.NEXT_OFFSET;
import static io.shmipc.core.layout.SliceDescriptor.SIZE_OFFSET;
import static io.shmipc.core.layout.SliceDescriptor.START_OFFSET;

/**
 * The buffer region's slab allocator, shared by both processes: one lock-free free list per size class, popped at
 * the head and pushed at the tail by CAS, with the reference's rules (a list never hands out its last free slice;
 * a pop gives up after {@value #POP_RETRIES} lost races).
 *
 * <p>Slices are named by their absolute offset in the region. Every offset, capacity and length that the peer could
 * have written is validated before it is used; a bad one raises {@link ProtocolViolationException}.
 */
public final class BufferPool {
    /** Returned by allocation when no slice is free. */
    public static final int NO_SLICE = -1;

    static final int POP_RETRIES = 200;

    /** Visits the slices of a message chain in order. */
    @FunctionalInterface
    public interface SliceVisitor {
        /**
         * @param sliceOffset absolute offset of the slice header
         * @param dataIndex   absolute index in the region of the first data byte
         * @param length      number of data bytes in this slice
         */
        void onSlice(int sliceOffset, int dataIndex, int length) throws ProtocolViolationException;
    }

    private final AtomicBuffer region;
    private final BufferList[] lists;
    private final int totalSlices;
    private final int usedLength;

    private BufferPool(final AtomicBuffer region, final BufferList[] lists, final int usedLength) {
        this.region = region;
        this.lists = lists;
        this.usedLength = usedLength;
        int total = 0;
        for (final BufferList list : lists) {
            total += list.sliceCount;
        }
        this.totalSlices = total;
    }

    /** Lays out an empty pool over the whole region (creator side) exactly as the reference does. */
    public static BufferPool format(final AtomicBuffer region, final SliceClass... classes) {
        if (classes.length == 0 || classes.length > MAX_LISTS) {
            throw new IllegalArgumentException("between 1 and " + MAX_LISTS + " slice classes, got " + classes.length);
        }
        final SliceClass[] sorted = classes.clone();
        Arrays.sort(sorted, Comparator.comparingInt(SliceClass::dataCapacity));
        int percentSum = 0;
        for (final SliceClass sliceClass : sorted) {
            percentSum += sliceClass.percent();
        }
        if (percentSum > 100) {
            throw new IllegalArgumentException("slice class percentages add up to " + percentSum + ", more than 100");
        }
        final long sliceSpace = (long) region.capacity()
            - (long) BufferListDescriptor.HEADER_LENGTH * sorted.length
            - BufferRegionDescriptor.HEADER_LENGTH;
        if (sliceSpace <= 0) {
            throw new IllegalArgumentException("buffer region of " + region.capacity() + " bytes is too small");
        }
        final BufferList[] lists = new BufferList[sorted.length];
        long offset = BufferRegionDescriptor.HEADER_LENGTH;
        for (int i = 0; i < sorted.length; i++) {
            final SliceClass sliceClass = sorted[i];
            final long stride = BufferList.stride(sliceClass.dataCapacity());
            final long count = (sliceSpace * sliceClass.percent() / 100) / stride;
            if (count < 2) {
                throw new IllegalArgumentException("buffer region of " + region.capacity() + " bytes leaves "
                    + count + " slices of " + sliceClass.dataCapacity() + " B (" + sliceClass.percent()
                    + " %); each class needs at least 2");
            }
            lists[i] = BufferList.format(region, (int) offset, (int) count, sliceClass.dataCapacity());
            offset += BufferListDescriptor.listLength(count, sliceClass.dataCapacity());
        }
        final int used = (int) (offset - BufferRegionDescriptor.HEADER_LENGTH);
        region.putShort(LIST_COUNT_OFFSET, (short) sorted.length);
        region.putShort(CAPABILITIES_OFFSET, (short) 0);
        region.putIntVolatile(USED_LENGTH_OFFSET, used);
        return new BufferPool(region, lists, used);
    }

    /** Maps a pool the peer laid out; checks every header against the region before trusting it. */
    public static BufferPool attach(final AtomicBuffer region) throws ProtocolViolationException {
        final int regionLength = region.capacity();
        if (regionLength < BufferRegionDescriptor.HEADER_LENGTH) {
            throw new ProtocolViolationException("buffer region of " + regionLength + " bytes has no room for a header");
        }
        final int listCount = region.getShort(LIST_COUNT_OFFSET) & 0xFFFF;
        final long used = region.getIntVolatile(USED_LENGTH_OFFSET) & 0xFFFFFFFFL;
        if (listCount == 0 || listCount > MAX_LISTS) {
            throw new ProtocolViolationException("buffer region declares " + listCount + " lists");
        }
        final long end = BufferRegionDescriptor.HEADER_LENGTH + used;
        if (end > regionLength) {
            throw new ProtocolViolationException("buffer region declares " + used + " bytes of lists but holds "
                + regionLength);
        }
        final BufferList[] lists = new BufferList[listCount];
        long offset = BufferRegionDescriptor.HEADER_LENGTH;
        int previousCapacity = 0;
        for (int i = 0; i < listCount; i++) {
            if (offset + BufferListDescriptor.HEADER_LENGTH > end) {
                throw new ProtocolViolationException("list " + i + " header at " + offset + " lies past the lists' end " + end);
            }
            final long count = region.getInt((int) offset + CAPACITY_OFFSET) & 0xFFFFFFFFL;
            final long dataCapacity = region.getInt((int) offset + DATA_CAPACITY_OFFSET) & 0xFFFFFFFFL;
            // No list holds more slices than the region has bytes; that bound also keeps count * stride below
            // 2^63, where the length check after it would otherwise wrap negative and pass.
            if (count < 1 || count > regionLength || dataCapacity < 1 || dataCapacity > Integer.MAX_VALUE) {
                throw new ProtocolViolationException("list " + i + " declares " + count + " slices of " + dataCapacity + " B");
            }
            if (dataCapacity <= previousCapacity) {
                throw new ProtocolViolationException("list " + i + " slice size " + dataCapacity
                    + " is not above the previous list's " + previousCapacity);
            }
            final long length = BufferListDescriptor.listLength(count, (int) dataCapacity);
            if (offset + length > end) {
                throw new ProtocolViolationException("list " + i + " (" + count + " x " + dataCapacity
                    + " B) runs past the lists' end " + end);
            }
            lists[i] = new BufferList(region, (int) offset, (int) count, (int) dataCapacity);
            lists[i].headRelative(region.getIntVolatile((int) offset + HEAD_OFFSET));
            lists[i].checkRelative(region.getIntVolatile((int) offset + TAIL_OFFSET), "tail");
            previousCapacity = (int) dataCapacity;
            offset += length;
        }
        return new BufferPool(region, lists, (int) used);
    }

    /** The region this pool manages. */
    public AtomicBuffer region() {
        return region;
    }

    public int listCount() {
        return lists.length;
    }

    /** Data capacity of the slices of list {@code index} (ascending). */
    public int sliceCapacity(final int index) {
        return lists[index].dataCapacity;
    }

    public int sliceCount(final int index) {
        return lists[index].sliceCount;
    }

    /** Free slices of list {@code index}, as its counter says now. */
    public int freeSlices(final int index) {
        return region.getIntVolatile(lists[index].headerOffset + FREE_COUNT_OFFSET);
    }

    public int totalSlices() {
        return totalSlices;
    }

    public int maxSliceCapacity() {
        return lists[lists.length - 1].dataCapacity;
    }

    /** Data bytes of all slices. */
    public long capacityBytes() {
        long bytes = 0;
        for (final BufferList list : lists) {
            bytes += (long) list.sliceCount * list.dataCapacity;
        }
        return bytes;
    }

    /** Data bytes of slices currently handed out (by either side). */
    public long inUseBytes() {
        long bytes = 0;
        for (int i = 0; i < lists.length; i++) {
            bytes += (long) (lists[i].sliceCount - freeSlices(i)) * lists[i].dataCapacity;
        }
        return bytes;
    }

    /** Bytes the lists take, as the header says. */
    public int usedLength() {
        return usedLength;
    }

    /** Capability bits in the header's reserved u16. */
    public int capabilities() {
        return region.getShortVolatile(CAPABILITIES_OFFSET) & 0xFFFF;
    }

    /** Atomically ORs capability bits into the header's reserved u16 (the high half of the int at offset 0). */
    public void addCapabilities(final int bits) {
        int word;
        do {
            word = region.getIntVolatile(LIST_COUNT_OFFSET);
        } while (!region.compareAndSetInt(LIST_COUNT_OFFSET, word, word | ((bits & 0xFFFF) << 16)));
    }

    /**
     * Switches every list's head to the tagged form (docs/PROTOCOL.md section 8), which makes a pop safe from the
     * ABA race. Only for a region both processes read that way: a shmipc-java client calls it once the server has
     * advertised {@link io.shmipc.core.layout.BufferRegionDescriptor#CAPABILITY_SERVER_TAGGED_HEADS}. Either side
     * may be popping meanwhile: each head is switched by a CAS, and both forms are read at all times.
     *
     * @return whether every head is now tagged (a head lost to concurrent pops too often stays plain).
     */
    public boolean tagHeads() throws ProtocolViolationException {
        boolean all = true;
        for (final BufferList list : lists) {
            all &= list.tagHead();
        }
        return all;
    }

    /** Whether the head of list {@code index} is in the tagged form. */
    public boolean isHeadTagged(final int index) {
        return (region.getIntVolatile(lists[index].headIndex) & BufferList.TAGGED) != 0;
    }

    /**
     * Takes one slice for a write of {@code wanted} more bytes: the smallest class that holds them all, else a
     * larger one, else the largest smaller one that has a slice free (the caller chains more). Returns the slice's
     * absolute offset, or {@link #NO_SLICE}.
     */
    public int allocate(final int wanted) throws ProtocolViolationException {
        final BufferList[] lists = this.lists;
        final int first = classFor(wanted);
        for (int i = first; i < lists.length; i++) {
            final int slice = lists[i].pop();
            if (slice != NO_SLICE) {
                return slice;
            }
        }
        for (int i = first - 1; i >= 0; i--) {
            final int slice = lists[i].pop();
            if (slice != NO_SLICE) {
                return slice;
            }
        }
        return NO_SLICE;
    }

    /** Index of the smallest size class whose slices hold {@code wanted} bytes, or of the largest class. */
    public int classFor(final int wanted) {
        final BufferList[] lists = this.lists;
        for (int i = 0; i < lists.length; i++) {
            if (lists[i].dataCapacity >= wanted) {
                return i;
            }
        }
        return lists.length - 1;
    }

    /** Index of the size class an absolute slice offset belongs to; validates the offset. */
    public int listIndexOf(final int sliceOffset) throws ProtocolViolationException {
        final BufferList list = listOf(sliceOffset);
        for (int i = 0; i < lists.length; i++) {
            if (lists[i] == list) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** Returns one slice to its list. */
    public void free(final int sliceOffset) throws ProtocolViolationException {
        listOf(sliceOffset).push(sliceOffset);
    }

    /**
     * Returns a whole message chain, reading each link before the slice is freed. Walks at most
     * {@link #totalSlices()} links, so a cycle is reported instead of looping.
     */
    public void freeChain(final int firstSlice) throws ProtocolViolationException {
        int slice = firstSlice;
        for (int links = 0; links <= totalSlices; links++) {
            final BufferList list = listOf(slice);
            final boolean hasNext = (region.getByteVolatile(slice + FLAGS_OFFSET) & FLAG_HAS_NEXT) != 0;
            final int next = region.getInt(slice + NEXT_OFFSET);
            list.push(slice);
            if (!hasNext) {
                return;
            }
            slice = next;
        }
        throw new ProtocolViolationException("slice chain from " + firstSlice + " is longer than the pool ("
            + totalSlices + " slices): a cycle");
    }

    /**
     * Validates a message chain the peer sent and visits its slices in order. Checks every offset against the
     * lists, each slice's capacity against its class, start + size against the capacity, and the chain length
     * against the pool size. Returns the total data length.
     */
    public long visitChain(final int firstSlice, final SliceVisitor visitor) throws ProtocolViolationException {
        long total = 0;
        int slice = firstSlice;
        for (int links = 0; links <= totalSlices; links++) {
            final BufferList list = listOf(slice);
            final long capacity = region.getInt(slice) & 0xFFFFFFFFL;
            if (capacity != list.dataCapacity) {
                throw new ProtocolViolationException("slice at " + slice + " claims capacity " + capacity
                    + " in a list of " + list.dataCapacity + " B slices");
            }
            final long start = region.getInt(slice + START_OFFSET) & 0xFFFFFFFFL;
            final long size = region.getInt(slice + SIZE_OFFSET) & 0xFFFFFFFFL;
            if (start + size > capacity) {
                throw new ProtocolViolationException("slice at " + slice + " claims " + size + " bytes from "
                    + start + " in a capacity of " + capacity);
            }
            final int flags = region.getByte(slice + FLAGS_OFFSET);
            visitor.onSlice(slice, slice + SliceDescriptor.HEADER_LENGTH + (int) start, (int) size);
            total += size;
            if ((flags & FLAG_HAS_NEXT) == 0) {
                return total;
            }
            slice = region.getInt(slice + NEXT_OFFSET);
        }
        throw new ProtocolViolationException("slice chain from " + firstSlice + " is longer than the pool ("
            + totalSlices + " slices): a cycle");
    }

    /** Writer: records how many data bytes a slice holds. */
    public void setSliceSize(final int sliceOffset, final int size) {
        region.putInt(sliceOffset + SIZE_OFFSET, size);
    }

    /** Writer: links {@code slice} to {@code next} in a message chain (absolute offset). */
    public void linkChain(final int slice, final int next) {
        region.putInt(slice + NEXT_OFFSET, next);
        region.putByte(slice + FLAGS_OFFSET, (byte) (FLAG_IN_USE | FLAG_HAS_NEXT));
    }

    /** Data capacity of the slice at an absolute offset (after validation of the offset). */
    public int capacityOf(final int sliceOffset) throws ProtocolViolationException {
        return listOf(sliceOffset).dataCapacity;
    }

    /** Absolute index in the region of a slice's first data byte. */
    public static int dataIndex(final int sliceOffset) {
        return sliceOffset + SliceDescriptor.HEADER_LENGTH;
    }

    private BufferList listOf(final int sliceOffset) throws ProtocolViolationException {
        for (final BufferList list : lists) {
            if (sliceOffset >= list.areaOffset && sliceOffset < list.areaEnd) {
                if (!list.isSliceStart(sliceOffset)) {
                    break;
                }
                return list;
            }
        }
        throw new ProtocolViolationException("offset " + Integer.toUnsignedString(sliceOffset)
            + " is not the start of a slice in this buffer region");
    }

    /**
     * One size class: a lock-free free list over its slice area.
     * <p>
     * The head is read in two forms. Plain (the reference's): the relative offset of the first free slice. Tagged
     * (between shmipc-java peers, docs/PROTOCOL.md section 8): bit 31 set, the slice's index in the low
     * {@code indexBits} bits and a pop counter above them, so a head that came back to the same slice after the list
     * cycled no longer compares equal and a stale pop fails its CAS. Offsets are below 2^31 (regions are int-indexed),
     * so bit 31 alone tells the forms apart.
     */
    private static final class BufferList {
        static final int TAGGED = 0x8000_0000;

        final AtomicBuffer region;
        final int headerOffset;
        final int areaOffset;
        final int areaEnd;
        final int sliceCount;
        final int dataCapacity;
        final int stride;
        /** ceil(2^64 / stride): an offset is a multiple of the stride iff offset * this <= this - 1, unsigned. */
        private final long strideDivisibility;
        final int freeCountIndex;
        final int headIndex;
        final int tailIndex;
        final int indexBits;
        final int indexMask;
        final int tagMask;

        /**
         * Whether {@code sliceOffset}, inside this list's area, is where a slice starts. Asked for every slice a
         * peer names and every slice freed, so a multiplication (Lemire's divisibility test) instead of a division.
         */
        boolean isSliceStart(final int sliceOffset) {
            final long relative = sliceOffset - areaOffset;
            return Long.compareUnsigned(relative * strideDivisibility, strideDivisibility - 1) <= 0;
        }

        BufferList(final AtomicBuffer region, final int headerOffset, final int sliceCount, final int dataCapacity) {
            this.region = region;
            this.headerOffset = headerOffset;
            this.areaOffset = headerOffset + BufferListDescriptor.HEADER_LENGTH;
            this.stride = (int) stride(dataCapacity);
            this.strideDivisibility = Long.divideUnsigned(-1L, stride) + 1;
            this.areaEnd = areaOffset + sliceCount * stride;
            this.sliceCount = sliceCount;
            this.dataCapacity = dataCapacity;
            this.freeCountIndex = headerOffset + FREE_COUNT_OFFSET;
            this.headIndex = headerOffset + HEAD_OFFSET;
            this.tailIndex = headerOffset + TAIL_OFFSET;
            this.indexBits = Integer.SIZE - Integer.numberOfLeadingZeros(Math.max(1, sliceCount - 1));
            this.indexMask = (1 << indexBits) - 1;
            this.tagMask = (int) ((1L << (Integer.SIZE - 1 - indexBits)) - 1);
        }

        static long stride(final int dataCapacity) {
            return SliceDescriptor.HEADER_LENGTH + (long) dataCapacity;
        }

        static BufferList format(final AtomicBuffer region, final int headerOffset, final int count,
                                 final int dataCapacity) {
            final BufferList list = new BufferList(region, headerOffset, count, dataCapacity);
            region.putInt(headerOffset + FREE_COUNT_OFFSET, count);
            region.putInt(headerOffset + CAPACITY_OFFSET, count);
            region.putInt(headerOffset + HEAD_OFFSET, 0);
            region.putInt(headerOffset + TAIL_OFFSET, (count - 1) * list.stride);
            region.putInt(headerOffset + DATA_CAPACITY_OFFSET, dataCapacity);
            region.putLong(headerOffset + PUSH_COUNT_OFFSET, 0);
            region.putLong(headerOffset + POP_COUNT_OFFSET, 0);
            for (int i = 0; i < count; i++) {
                final int slice = list.areaOffset + i * list.stride;
                region.putInt(slice, dataCapacity);
                region.putInt(slice + SIZE_OFFSET, 0);
                region.putInt(slice + START_OFFSET, 0);
                final boolean last = i == count - 1;
                region.putInt(slice + NEXT_OFFSET, last ? 0 : (i + 1) * list.stride);
                region.putByte(slice + FLAGS_OFFSET, (byte) (last ? 0 : FLAG_HAS_NEXT));
            }
            return list;
        }

        boolean isRelative(final int relative) {
            return relative >= 0 && relative < sliceCount * stride && relative % stride == 0;
        }

        void checkRelative(final int relative, final String what) throws ProtocolViolationException {
            if (!isRelative(relative)) {
                throw new ProtocolViolationException("free list of " + dataCapacity + " B slices has " + what
                    + " " + Integer.toUnsignedString(relative) + ", not a slice of its " + sliceCount);
            }
        }

        /** The relative offset of the first free slice a head value names, in either form; validated. */
        int headRelative(final int head) throws ProtocolViolationException {
            if ((head & TAGGED) == 0) {
                checkRelative(head, "head");
                return head;
            }
            final int index = head & indexMask;
            if (index >= sliceCount) {
                throw new ProtocolViolationException("free list of " + dataCapacity + " B slices has tagged head 0x"
                    + Integer.toHexString(head) + ", slice index " + index + " of its " + sliceCount);
            }
            return index * stride;
        }

        /** The head after popping the slice {@code head} names, whose link is {@code next}: in the same form. */
        int headAfterPop(final int head, final int next) {
            if ((head & TAGGED) == 0) {
                return next;
            }
            final int tag = ((head >>> indexBits) + 1) & tagMask;
            return TAGGED | (tag << indexBits) | (next / stride);
        }

        boolean tagHead() throws ProtocolViolationException {
            for (int i = 0; i < POP_RETRIES; i++) {
                final int head = region.getIntVolatile(headIndex);
                if ((head & TAGGED) != 0) {
                    return true;
                }
                checkRelative(head, "head");
                if (region.compareAndSetInt(headIndex, head, TAGGED | (head / stride))) {
                    return true;
                }
            }
            return false;
        }

        int pop() throws ProtocolViolationException {
            final AtomicBuffer region = this.region;
            if (region.getAndAddInt(freeCountIndex, -1) - 1 <= 0) {
                region.getAndAddInt(freeCountIndex, 1);
                return NO_SLICE;
            }
            int head = region.getIntVolatile(headIndex);
            for (int i = 0; i < POP_RETRIES; i++) {
                final int slice = areaOffset + headRelative(head);
                if ((region.getByteVolatile(slice + FLAGS_OFFSET) & FLAG_HAS_NEXT) != 0) {
                    final int next = region.getIntVolatile(slice + NEXT_OFFSET);
                    if (!isRelative(next)) {
                        // Since we read the head, another thread may have taken this slice and chained it into a
                        // message (an absolute link): a lost race. Only a head that still names it is corrupt.
                        final int current = region.getIntVolatile(headIndex);
                        if (current == head) {
                            checkRelative(next, "next link");
                        }
                        head = current;
                        continue;
                    }
                    if (region.compareAndSetInt(headIndex, head, headAfterPop(head, next))) {
                        region.putByte(slice + FLAGS_OFFSET, (byte) FLAG_IN_USE);
                        // Monitoring counter only (see BufferListDescriptor); a plain update is enough.
                        region.putLong(headerOffset + POP_COUNT_OFFSET, region.getLong(headerOffset + POP_COUNT_OFFSET) + 1);
                        return slice;
                    }
                } else if (region.getIntVolatile(freeCountIndex) <= 1) {
                    break;
                }
                head = region.getIntVolatile(headIndex);
            }
            region.getAndAddInt(freeCountIndex, 1);
            return NO_SLICE;
        }

        void push(final int slice) throws ProtocolViolationException {
            final AtomicBuffer region = this.region;
            region.putInt(slice + SIZE_OFFSET, 0);
            region.putInt(slice + START_OFFSET, 0);
            region.putByteVolatile(slice + FLAGS_OFFSET, (byte) 0);
            final int relative = slice - areaOffset;
            int oldTail;
            do {
                oldTail = region.getIntVolatile(tailIndex);
                checkRelative(oldTail, "tail");
            } while (!region.compareAndSetInt(tailIndex, oldTail, relative));
            final int previous = areaOffset + oldTail;
            region.putInt(previous + NEXT_OFFSET, relative);
            // Release: a popper that sees hasNext must see the link written just above.
            region.putByteVolatile(previous + FLAGS_OFFSET,
                (byte) (region.getByte(previous + FLAGS_OFFSET) | FLAG_HAS_NEXT));
            region.getAndAddInt(freeCountIndex, 1);
            region.putLong(headerOffset + PUSH_COUNT_OFFSET, region.getLong(headerOffset + PUSH_COUNT_OFFSET) + 1);
        }
    }
}
