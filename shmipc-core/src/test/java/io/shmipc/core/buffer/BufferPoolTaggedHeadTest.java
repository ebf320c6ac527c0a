package io.shmipc.core.buffer;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.BufferListDescriptor;
import io.shmipc.core.layout.BufferRegionDescriptor;
import io.shmipc.core.layout.SliceDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Free-list heads in the tagged form (docs/PROTOCOL.md section 8): bit 31 set, the slice index in the low bits and a
 * pop counter above, so a pop that read the head before the list cycled back to the same slice fails its CAS.
 */
class BufferPoolTaggedHeadTest {
    private static final int TAGGED = 0x8000_0000;
    /** Four slices of 44 B data: an index takes 2 bits. */
    private static final int SLICES = 4;
    private static final int INDEX_BITS = 2;
    private static final int STRIDE = SliceDescriptor.HEADER_LENGTH + 44;
    private static final int HEAD_INDEX = BufferRegionDescriptor.HEADER_LENGTH + BufferListDescriptor.HEAD_OFFSET;
    private static final int AREA = BufferRegionDescriptor.HEADER_LENGTH + BufferListDescriptor.HEADER_LENGTH;

    private static UnsafeBuffer fourSliceRegion() {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(BufferRegionDescriptor.HEADER_LENGTH
            + BufferListDescriptor.HEADER_LENGTH + SLICES * STRIDE));
    }

    @Test
    void shouldTagEveryHeadAndCountPops() throws Exception {
        final UnsafeBuffer region = fourSliceRegion();
        final BufferPool pool = BufferPool.format(region, new SliceClass(44, 100));
        assertEquals(SLICES, pool.sliceCount(0));
        assertEquals(0, region.getInt(HEAD_INDEX), "the reference's plain form until switched");

        assertTrue(pool.tagHeads());
        assertTrue(pool.isHeadTagged(0));
        assertEquals(TAGGED, region.getInt(HEAD_INDEX), "slice 0, no pops yet");
        assertEquals(AREA, pool.allocate(10));
        assertEquals(TAGGED | 1 << INDEX_BITS | 1, region.getInt(HEAD_INDEX), "slice 1 after one pop");
        assertEquals(AREA + STRIDE, pool.allocate(10));
        assertEquals(TAGGED | 2 << INDEX_BITS | 2, region.getInt(HEAD_INDEX));
        assertTrue(pool.tagHeads(), "switching again changes nothing");
        assertEquals(TAGGED | 2 << INDEX_BITS | 2, region.getInt(HEAD_INDEX));
    }

    @Test
    void shouldGiveAHeadThatCameBackToTheSameSliceADifferentValueOnlyWhenTagged() throws Exception {
        for (final boolean tagged : new boolean[] {false, true}) {
            final UnsafeBuffer region = fourSliceRegion();
            final BufferPool pool = BufferPool.format(region, new SliceClass(44, 100));
            if (tagged) {
                pool.tagHeads();
            }
            // What a popper reads before it is descheduled: the head, naming slice 0.
            final int staleHead = region.getIntVolatile(HEAD_INDEX);

            // Meanwhile the other process cycles the list until slice 0 is its head again: pops 0, 1, 2, frees 0,
            // pops 3 (the head then), leaving 0 -> (nothing) with 1 and 2 in use.
            final int s0 = pool.allocate(10);
            final int s1 = pool.allocate(10);
            final int s2 = pool.allocate(10);
            pool.free(s0);
            final int s3 = pool.allocate(10);
            assertEquals(Set.of(AREA, AREA + STRIDE, AREA + 2 * STRIDE, AREA + 3 * STRIDE),
                new HashSet<>(java.util.List.of(s0, s1, s2, s3)));
            final int headNow = region.getIntVolatile(HEAD_INDEX);

            if (tagged) {
                assertNotEquals(staleHead, headNow, "the stale popper's CAS fails: no slice handed out twice");
                assertEquals(0, headNow & ((1 << INDEX_BITS) - 1), "yet the head names slice 0 again");
            } else {
                // The weakness the reference layout has: the stale CAS would succeed and install slice 1's link,
                // handing out slice 1 again while it is in use.
                assertEquals(staleHead, headNow);
            }
        }
    }

    @Test
    void shouldShareTaggedHeadsWithAPoolThatAttachesToTheRegion() throws Exception {
        final UnsafeBuffer region = new UnsafeBuffer(ByteBuffer.allocateDirect(64 << 10));
        final BufferPool client = BufferPool.format(region, new SliceClass(1000, 60), new SliceClass(4000, 40));
        final BufferPool server = BufferPool.attach(region);
        client.allocate(100);
        assertTrue(client.tagHeads());
        final BufferPool late = BufferPool.attach(region);
        assertTrue(late.isHeadTagged(0) && late.isHeadTagged(1), "attaching accepts tagged heads");

        final Set<Integer> taken = new HashSet<>();
        for (int i = 0; ; i++) {
            final int slice = (i % 2 == 0 ? client : server).allocate(100);
            if (slice == BufferPool.NO_SLICE) {
                break;
            }
            assertTrue(taken.add(slice), "slice " + slice + " handed out twice");
        }
        assertEquals(client.totalSlices() - 1 - client.listCount(), taken.size(),
            "all but each list's last slice and the one taken first");
        for (final int slice : taken) {
            (slice % 2 == 0 ? server : client).free(slice);
        }
        assertEquals(client.sliceCount(0) - 1, client.freeSlices(0));
        assertTrue(client.isHeadTagged(0) && client.isHeadTagged(1), "pops keep the tagged form");
    }

    @Test
    void shouldRejectATaggedHeadThatNamesNoSlice() throws Exception {
        // Five slices: the index takes 3 bits, so a corrupt head can name slices 5 to 7, which the list lacks.
        final UnsafeBuffer region = new UnsafeBuffer(ByteBuffer.allocateDirect(BufferRegionDescriptor.HEADER_LENGTH
            + BufferListDescriptor.HEADER_LENGTH + 5 * STRIDE));
        final BufferPool pool = BufferPool.format(region, new SliceClass(44, 100));
        assertEquals(5, pool.sliceCount(0));
        pool.tagHeads();
        region.putIntVolatile(HEAD_INDEX, TAGGED | 1 << 3 | 6);

        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class, () -> pool.allocate(10));
        assertTrue(ex.getMessage().contains("slice index 6 of its 5"), ex.getMessage());
        assertThrows(ProtocolViolationException.class, () -> BufferPool.attach(region));
    }
}
