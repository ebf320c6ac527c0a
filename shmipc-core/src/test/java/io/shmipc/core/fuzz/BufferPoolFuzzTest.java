package io.shmipc.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.core.layout.BufferListDescriptor;
import io.shmipc.core.layout.BufferRegionDescriptor;
import io.shmipc.core.layout.SliceDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plays a hostile peer against a small buffer region: starting from a correctly formatted pool, the input overwrites
 * bytes anywhere (or in a chosen header field) between our attaches, allocations, frees and chain walks. Every call
 * must either work or throw {@link ProtocolViolationException}: no {@link IndexOutOfBoundsException} from Agrona's
 * bounds checks, every visited (data index, length) inside the region and inside its slice, every walk finite.
 *
 * <p>A call that throws does not retire the pool: a closing session still frees its slices through it.
 *
 * <p>Input: one byte choosing the layout, then operations of one byte each followed by their arguments.
 */
class BufferPoolFuzzTest {
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 20_000;
    private static final Layout[] LAYOUTS = {
        new Layout(1024, new SliceClass(44, 50), new SliceClass(108, 50)),
        new Layout(2048, new SliceClass(20, 40), new SliceClass(60, 30), new SliceClass(124, 30)),
        new Layout(512, new SliceClass(28, 100)),
    };
    private static final int MAX_OPERATIONS = 256;
    private static final int MAX_HELD_SLICES = 64;
    private static final int LIST_HEADER_FIELDS = 5;
    private static final int SLICE_HEADER_FIELDS = 5;

    private UnsafeBuffer region;
    /** The pool as formatted: where the headers are, for targeted writes. */
    private BufferPool formatted;
    /** The pool we use: the formatted one, or the last one an attach accepted. */
    private BufferPool pool;
    private final List<Integer> held = new ArrayList<>();

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldStayInsideTheRegionOrReportAViolation(final byte[] data) throws Exception {
        final FuzzInput input = new FuzzInput(data);
        final Layout layout = LAYOUTS[input.below(LAYOUTS.length)];
        region = layout.region;
        // Format writes only headers: clear the data areas too, so that no byte of an earlier input leaks into this one.
        region.setMemory(0, region.capacity(), (byte) 0);
        formatted = BufferPool.format(region, layout.classes);
        pool = formatted;
        held.clear();
        for (int operation = 0; operation < MAX_OPERATIONS && input.hasMore(); operation++) {
            try {
                switch (input.below(10)) {
                    case 0 -> peerWritesAnywhere(input);
                    case 1 -> peerWritesField(input);
                    case 2 -> attach();
                    case 3 -> allocate(input);
                    case 4 -> pool.free(slice(input));
                    case 5 -> linkChain(input);
                    case 6 -> visitChain(slice(input));
                    case 7 -> pool.freeChain(slice(input));
                    case 8 -> pool.addCapabilities(input.u16());
                    default -> readCounters();
                }
            } catch (final ProtocolViolationException expected) {
                // The only failure a peer may cause; the next operation goes on with the same pool.
            }
        }
    }

    private void peerWritesAnywhere(final FuzzInput input) {
        final int width = 1 << input.below(3);
        final int offset = input.below(region.capacity() - width + 1);
        switch (width) {
            case 1 -> region.putByte(offset, (byte) input.u8());
            case 2 -> region.putShort(offset, (short) input.u16());
            default -> region.putInt(offset, input.i32());
        }
    }

    /** Writes one field of the region header, a list header or a slice header: near its value, an edge, or anything. */
    private void peerWritesField(final FuzzInput input) {
        final int index;
        final int width;
        switch (input.below(3)) {
            case 0 -> {
                final boolean listCount = input.below(2) == 0;
                index = listCount ? BufferRegionDescriptor.LIST_COUNT_OFFSET : BufferRegionDescriptor.USED_LENGTH_OFFSET;
                width = listCount ? 2 : 4;
            }
            case 1 -> {
                index = listHeaderOffset(input.below(formatted.listCount())) + 4 * input.below(LIST_HEADER_FIELDS);
                width = 4;
            }
            default -> {
                final int field = input.below(SLICE_HEADER_FIELDS);
                index = formattedSlice(input) + 4 * field;
                width = 4 * field == SliceDescriptor.FLAGS_OFFSET ? 1 : 4;
            }
        }
        final int value = switch (input.below(3)) {
            case 0 -> region.getInt(index) + (byte) input.u8();
            case 1 -> input.edgeInt();
            default -> input.i32();
        };
        switch (width) {
            case 1 -> region.putByte(index, (byte) value);
            case 2 -> region.putShort(index, (short) value);
            default -> region.putInt(index, value);
        }
    }

    private void attach() throws ProtocolViolationException {
        final BufferPool attached = BufferPool.attach(region);
        long end = BufferRegionDescriptor.HEADER_LENGTH;
        for (int list = 0; list < attached.listCount(); list++) {
            assertTrue(attached.sliceCount(list) >= 1, "list " + list + " of " + attached.sliceCount(list) + " slices");
            assertTrue(attached.sliceCapacity(list) >= 1, "slices of " + attached.sliceCapacity(list) + " B");
            end += BufferListDescriptor.listLength(attached.sliceCount(list), attached.sliceCapacity(list));
        }
        assertTrue(end <= BufferRegionDescriptor.HEADER_LENGTH + (attached.usedLength() & 0xFFFFFFFFL),
            "lists end at " + end + " past the declared " + attached.usedLength() + " bytes");
        assertTrue(end <= region.capacity(), "lists end at " + end + " past the region's " + region.capacity());
        pool = attached;
        held.clear();
    }

    private void allocate(final FuzzInput input) throws ProtocolViolationException {
        final int wanted = input.below(2) == 0 ? input.u8() : input.i32();
        final int slice = pool.allocate(wanted);
        if (slice == BufferPool.NO_SLICE) {
            return;
        }
        assertSliceInRegion(slice);
        if (held.size() < MAX_HELD_SLICES) {
            held.add(slice);
        }
    }

    /** What a writer does with slices it holds: fill one and link it to the next. */
    private void linkChain(final FuzzInput input) throws ProtocolViolationException {
        if (held.size() < 2) {
            return;
        }
        final int slice = held.get(input.below(held.size()));
        final int next = held.get(input.below(held.size()));
        pool.setSliceSize(slice, input.below(pool.capacityOf(slice) + 1));
        pool.linkChain(slice, next);
    }

    private void visitChain(final int firstSlice) throws ProtocolViolationException {
        final int[] visits = {0};
        final long[] sum = {0};
        final long total = pool.visitChain(firstSlice, (sliceOffset, dataIndex, length) -> {
            visits[0]++;
            assertTrue(visits[0] <= pool.totalSlices() + 1, "walked more links than the pool has slices");
            assertSliceInRegion(sliceOffset);
            assertTrue(length >= 0, "negative length " + length);
            assertTrue(dataIndex >= BufferPool.dataIndex(sliceOffset), "data before the slice's data area");
            assertTrue((long) dataIndex + length <= (long) BufferPool.dataIndex(sliceOffset) + pool.capacityOf(sliceOffset),
                "data " + dataIndex + "+" + length + " past the end of slice " + sliceOffset);
            assertTrue((long) dataIndex + length <= region.capacity(), "data past the region");
            sum[0] += length;
        });
        assertEquals(sum[0], total);
    }

    private void readCounters() {
        for (int list = 0; list < pool.listCount(); list++) {
            pool.freeSlices(list);
        }
        pool.inUseBytes();
        pool.capacityBytes();
        pool.capabilities();
        pool.maxSliceCapacity();
    }

    private void assertSliceInRegion(final int slice) throws ProtocolViolationException {
        assertTrue(slice >= BufferRegionDescriptor.HEADER_LENGTH + BufferListDescriptor.HEADER_LENGTH,
            "slice " + slice + " inside the headers");
        assertTrue((long) BufferPool.dataIndex(slice) + pool.capacityOf(slice) <= region.capacity(),
            "slice " + slice + " runs past the region");
    }

    /** A slice we hold, a slice start of the formatted layout, or any offset at all. */
    private int slice(final FuzzInput input) {
        final int choice = input.u8();
        if (choice < held.size()) {
            return held.get(choice);
        }
        return choice < 0xC0 ? formattedSlice(input) : input.i32();
    }

    private int formattedSlice(final FuzzInput input) {
        final int list = input.below(formatted.listCount());
        return listHeaderOffset(list) + BufferListDescriptor.HEADER_LENGTH
            + input.below(formatted.sliceCount(list)) * stride(list);
    }

    private int listHeaderOffset(final int list) {
        int offset = BufferRegionDescriptor.HEADER_LENGTH;
        for (int i = 0; i < list; i++) {
            offset += (int) BufferListDescriptor.listLength(formatted.sliceCount(i), formatted.sliceCapacity(i));
        }
        return offset;
    }

    private int stride(final int list) {
        return SliceDescriptor.HEADER_LENGTH + formatted.sliceCapacity(list);
    }

    /** A region size and its slice classes, with one region reused by every input of that layout. */
    private static final class Layout {
        final UnsafeBuffer region;
        final SliceClass[] classes;

        Layout(final int regionLength, final SliceClass... classes) {
            this.region = new UnsafeBuffer(ByteBuffer.allocateDirect(regionLength));
            this.classes = classes;
        }
    }
}
