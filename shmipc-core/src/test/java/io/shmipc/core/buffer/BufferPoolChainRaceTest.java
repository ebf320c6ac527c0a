package io.shmipc.core.buffer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pop that loses its race may read the link of a slice another thread has just taken and chained into a message
 * (an absolute offset, not a free-list one). That is a lost race to retry, not a corrupted list.
 */
class BufferPoolChainRaceTest {
    @ParameterizedTest(name = "tagged heads: {0}")
    @ValueSource(booleans = {false, true})
    void shouldRetryWhenTheHeadWasTakenAndChainedMeanwhile(final boolean taggedHeads) throws Exception {
        final BufferPool pool = BufferPool.format(new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20)),
            new SliceClass(1000, 100));
        if (taggedHeads) {
            assertTrue(pool.tagHeads());
        }
        final int threads = 8;
        final int rounds = 100_000;
        final int held = 16;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            final Thread thread = new Thread(() -> {
                // Chains stay taken for a while, as messages in flight do, so stale readers meet them.
                final int[] chains = new int[held];
                java.util.Arrays.fill(chains, BufferPool.NO_SLICE);
                try {
                    for (int i = 0; i < rounds && failure.get() == null; i++) {
                        final int slot = i % held;
                        if (chains[slot] != BufferPool.NO_SLICE) {
                            pool.freeChain(chains[slot]);
                            chains[slot] = BufferPool.NO_SLICE;
                        }
                        final int first = pool.allocate(100);
                        if (first == BufferPool.NO_SLICE) {
                            continue;
                        }
                        final int second = pool.allocate(100);
                        if (second != BufferPool.NO_SLICE) {
                            // What a writer does for a two-slice message: an absolute link and hasNext.
                            pool.linkChain(first, second);
                        }
                        chains[slot] = first;
                    }
                    for (final int chain : chains) {
                        if (chain != BufferPool.NO_SLICE) {
                            pool.freeChain(chain);
                        }
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "chain-race-" + t);
            thread.setDaemon(true);
            thread.start();
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "threads finished");
        if (failure.get() != null) {
            throw new AssertionError("allocation failed under contention: " + failure.get(), failure.get());
        }
        assertEquals(pool.sliceCount(0), pool.freeSlices(0), "every slice back on its list");
    }
}
