package io.shmipc.core.buffer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SliceCacheTest {
    @Test
    void shouldReuseFreedSlicesAndGiveThemAllBackWhenAsked() throws Exception {
        final BufferPool pool = BufferPool.format(new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20)),
            new SliceClass(4076, 100));
        final int free = pool.freeSlices(0);
        final SliceCache cache = new SliceCache(pool);
        final int[] slices = new int[10];
        for (int i = 0; i < slices.length; i++) {
            slices[i] = cache.allocate(100);
        }
        for (final int slice : slices) {
            cache.free(slice);
        }
        assertTrue(cache.size() > 0, "freed slices are stashed");
        assertEquals(free - cache.size(), pool.freeSlices(0), "stashed slices stay off the free list");
        final int stashed = cache.size();
        assertEquals(slices[slices.length - 1], cache.allocate(100), "the last slice freed is the next one used");
        cache.free(slices[slices.length - 1]);

        cache.returnAll();

        assertEquals(0, cache.size());
        assertEquals(free, pool.freeSlices(0), "every slice is back on the shared free list (" + stashed + " were stashed)");
    }
}
