package io.shmipc.core.buffer;

import io.shmipc.core.Hex;
import io.shmipc.core.ProtocolViolationException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferPoolTest {
    private static UnsafeBuffer region(final int length) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(length));
    }

    @Test
    void shouldLayOutRegionExactlyAsTheReference() {
        // 1024 B, classes 44 B / 108 B at 50 % each: slice space 1024 - 2*36 - 8 = 944, so 472/64 = 7 and 472/128 = 3.
        final UnsafeBuffer region = region(1024);
        final BufferPool pool = BufferPool.format(region, new SliceClass(108, 50), new SliceClass(44, 50));

        assertEquals(Hex.compact("0200 | 0000 | 88030000"), Hex.of(region, 0, 8));
        assertEquals(Hex.compact("07000000 | 07000000 | 00000000 | 80010000 | 2c000000 | 0000000000000000 | 0000000000000000"),
            Hex.of(region, 8, 36));
        assertEquals(Hex.compact("2c000000 | 00000000 | 00000000 | 40000000 | 01 | 000000"), Hex.of(region, 44, 20));
        assertEquals(Hex.compact("2c000000 | 00000000 | 00000000 | 00000000 | 00 | 000000"), Hex.of(region, 44 + 6 * 64, 20),
            "the last slice of a free list has no next");
        final int list2 = 8 + 36 + 7 * 64;
        assertEquals(Hex.compact("03000000 | 03000000 | 00000000 | 00010000 | 6c000000"), Hex.of(region, list2, 20));
        assertEquals(904, pool.usedLength());
        assertEquals(2, pool.listCount());
        assertEquals(10, pool.totalSlices());
    }

    @Test
    void shouldComputeReferenceDefaultSliceCountsFor32MiB() {
        final BufferPool pool = BufferPool.format(region(32 << 20), SliceClass.DEFAULTS);
        final long space = (32L << 20) - 3 * 36 - 8;
        assertEquals(space * 50 / 100 / 8192, pool.sliceCount(0));
        assertEquals(space * 30 / 100 / 32768, pool.sliceCount(1));
        assertEquals(space * 20 / 100 / 131072, pool.sliceCount(2));
    }

    @Test
    void shouldNeverHandOutTheLastFreeSlice() throws Exception {
        final BufferPool pool = BufferPool.format(region(1024), new SliceClass(44, 50), new SliceClass(108, 50));
        final Set<Integer> small = new HashSet<>();
        int slice;
        while ((slice = pool.allocate(10)) != BufferPool.NO_SLICE && pool.capacityOf(slice) == 44) {
            assertTrue(small.add(slice));
        }
        assertEquals(6, small.size(), "7 small slices, the last one stays on the list");
    }

    @Test
    void shouldReuseFreedSlicesAndKeepCountsBalanced() throws Exception {
        final BufferPool pool = BufferPool.format(region(4096), new SliceClass(44, 100));
        final int total = pool.sliceCount(0);
        for (int round = 0; round < 5; round++) {
            final List<Integer> taken = new ArrayList<>();
            int slice;
            while ((slice = pool.allocate(44)) != BufferPool.NO_SLICE) {
                taken.add(slice);
            }
            assertEquals(total - 1, taken.size());
            assertEquals(1, pool.freeSlices(0));
            for (final int s : taken) {
                pool.free(s);
            }
            assertEquals(total, pool.freeSlices(0));
        }
    }

    @Test
    void shouldPreferTheSmallestClassThatFitsAndFallBackToOthers() throws Exception {
        final BufferPool pool = BufferPool.format(region(1024), new SliceClass(44, 50), new SliceClass(108, 50));
        assertEquals(44, pool.capacityOf(pool.allocate(1)));
        assertEquals(108, pool.capacityOf(pool.allocate(100)));
        assertEquals(108, pool.capacityOf(pool.allocate(5000)), "larger than every class: the largest first");
    }

    @Test
    void shouldVisitAndFreeAChainInOrder() throws Exception {
        final BufferPool pool = BufferPool.format(region(4096), new SliceClass(44, 100));
        final int a = pool.allocate(44);
        final int b = pool.allocate(44);
        final int c = pool.allocate(44);
        pool.setSliceSize(a, 44);
        pool.setSliceSize(b, 44);
        pool.setSliceSize(c, 3);
        pool.linkChain(a, b);
        pool.linkChain(b, c);
        final List<Integer> seen = new ArrayList<>();
        final long total = pool.visitChain(a, (slice, data, length) -> seen.add(slice));
        assertEquals(List.of(a, b, c), seen);
        assertEquals(91, total);
        final int before = pool.freeSlices(0);
        pool.freeChain(a);
        assertEquals(before + 3, pool.freeSlices(0));
    }

    @Test
    void shouldRejectOffsetsThatAreNotSlices() {
        final BufferPool pool = BufferPool.format(region(1024), new SliceClass(44, 100));
        assertThrows(ProtocolViolationException.class, () -> pool.visitChain(45, (s, d, l) -> { }));
        assertThrows(ProtocolViolationException.class, () -> pool.visitChain(-20, (s, d, l) -> { }));
        assertThrows(ProtocolViolationException.class, () -> pool.visitChain(1 << 30, (s, d, l) -> { }));
        assertThrows(ProtocolViolationException.class, () -> pool.free(3));
    }

    @Test
    void shouldRejectSizesBeyondTheSliceAndCyclicChains() throws Exception {
        final UnsafeBuffer region = region(4096);
        final BufferPool pool = BufferPool.format(region, new SliceClass(44, 100));
        final int a = pool.allocate(44);
        final int b = pool.allocate(44);
        pool.setSliceSize(a, 45);
        final ProtocolViolationException tooBig =
            assertThrows(ProtocolViolationException.class, () -> pool.visitChain(a, (s, d, l) -> { }));
        assertTrue(tooBig.getMessage().contains("45 bytes"), tooBig.getMessage());

        pool.setSliceSize(a, 10);
        pool.linkChain(a, b);
        pool.linkChain(b, a);
        final ProtocolViolationException cycle =
            assertThrows(ProtocolViolationException.class, () -> pool.visitChain(a, (s, d, l) -> { }));
        assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
    }

    @Test
    void shouldRejectCorruptedHeadersWhenAttaching() {
        final UnsafeBuffer region = region(1024);
        BufferPool.format(region, new SliceClass(44, 100));
        region.putInt(4, 5000);
        assertThrows(ProtocolViolationException.class, () -> BufferPool.attach(region));
        BufferPool.format(region, new SliceClass(44, 100));
        region.putInt(8 + 4, 1000);
        assertThrows(ProtocolViolationException.class, () -> BufferPool.attach(region));
        BufferPool.format(region, new SliceClass(44, 100));
        region.putInt(8 + 8, 7);
        assertThrows(ProtocolViolationException.class, () -> BufferPool.attach(region), "head not on a slice");
    }

    @Test
    void shouldAttachToAFormattedRegionAndShareIt() throws Exception {
        final UnsafeBuffer region = region(1 << 20);
        final BufferPool creator = BufferPool.format(region, SliceClass.parse("1000:60,8000:40"));
        final BufferPool mapper = BufferPool.attach(new UnsafeBuffer(region.addressOffset(), region.capacity()));
        final int slice = mapper.allocate(10);
        assertEquals(1000, creator.capacityOf(slice));
        assertEquals(creator.freeSlices(0), mapper.freeSlices(0));
        creator.free(slice);
        assertEquals(creator.sliceCount(0), mapper.freeSlices(0));
    }

    @Test
    void shouldAdvertiseCapabilitiesWithoutTouchingTheListCount() {
        final UnsafeBuffer region = region(1024);
        final BufferPool pool = BufferPool.format(region, new SliceClass(44, 100));
        pool.addCapabilities(1);
        pool.addCapabilities(2);
        assertEquals(3, pool.capabilities());
        assertEquals(Hex.compact("0100 | 0300"), Hex.of(region, 0, 4));
    }

    @ParameterizedTest(name = "tagged heads: {0}")
    @ValueSource(booleans = {false, true})
    void shouldHandOutEachSliceOnceUnderContention(final boolean taggedHeads) throws Exception {
        final BufferPool pool = BufferPool.format(region(1 << 20), new SliceClass(1000, 100));
        if (taggedHeads) {
            assertTrue(pool.tagHeads());
        }
        final int threads = 4;
        final int rounds = 20_000;
        final ConcurrentHashMap<Integer, Boolean> owned = new ConcurrentHashMap<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        final int slice = pool.allocate(100);
                        if (slice == BufferPool.NO_SLICE) {
                            continue;
                        }
                        assertNotEquals(Boolean.TRUE, owned.put(slice, Boolean.TRUE), "slice handed out twice");
                        owned.remove(slice);
                        pool.free(slice);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(pool.sliceCount(0), pool.freeSlices(0));
        assertEquals(taggedHeads, pool.isHeadTagged(0), "pops keep the form they find");
    }
}
