package io.shmipc.transport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingCallsTest
{
    private static PendingCall<Object> call(final int seqId)
    {
        return new PendingCall<>(seqId, "m", response -> response, null, Duration.ofSeconds(1), 0,
            (ended, error) -> { });
    }

    @Test
    void shouldFindEachCallBySeqIdEvenWhenSeqIdsShareASlot()
    {
        final PendingCalls pending = new PendingCalls();
        final PendingCall<Object> first = call(5);
        final PendingCall<Object> sameSlot = call(5 + 1024);
        final PendingCall<Object> other = call(6);
        assertTrue(pending.add(first));
        assertTrue(pending.add(sameSlot), "a seq id whose slot is taken goes to the map");
        assertTrue(pending.add(other));

        final Set<Integer> seen = new HashSet<>();
        pending.forEach(call -> seen.add(call.seqId()));
        assertEquals(Set.of(5, 5 + 1024, 6), seen);

        assertSame(sameSlot, pending.remove(5 + 1024));
        assertSame(first, pending.remove(5));
        assertNull(pending.remove(5), "removed once");
        pending.remove(other);
        assertNull(pending.remove(6));
    }

    @Test
    void shouldRefuseASecondCallWithTheSameSeqIdInTheSlotOrTheMap()
    {
        final PendingCalls pending = new PendingCalls();
        assertTrue(pending.add(call(7)));
        assertFalse(pending.add(call(7)), "same seq id, slot");
        assertTrue(pending.add(call(7 + 1024)));
        assertFalse(pending.add(call(7 + 1024)), "same seq id, map");
    }

    @Test
    void shouldLoseNoCallWhenManyThreadsAddAndRemoveAtOnce() throws Exception
    {
        final PendingCalls pending = new PendingCalls();
        final int threads = 4;
        final int perThread = 20_000;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        final CountDownLatch start = new CountDownLatch(1);
        try
        {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int base = t * perThread;
                results.add(pool.submit(() ->
                {
                    start.await();
                    int found = 0;
                    for (int i = 0; i < perThread; i++)
                    {
                        final PendingCall<Object> call = call(base + i);
                        if (!pending.add(call))
                        {
                            throw new AssertionError("seq id " + (base + i) + " refused");
                        }
                        if (pending.remove(base + i) == call)
                        {
                            found++;
                        }
                    }
                    return found;
                }));
            }
            start.countDown();
            for (final Future<Integer> result : results)
            {
                assertEquals(perThread, result.get(60, TimeUnit.SECONDS));
            }
            final List<Integer> left = new ArrayList<>();
            pending.forEach(call -> left.add(call.seqId()));
            assertEquals(List.of(), left);
        }
        finally
        {
            pool.shutdownNow();
        }
    }
}
