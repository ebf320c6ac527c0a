package io.shmipc.core.queue;

import io.shmipc.core.Hex;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.QueueDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import org.agrona.BufferUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventQueueTest {
    private static UnsafeBuffer region(final int capacity) {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned((int) QueueDescriptor.regionLength(capacity), 64));
    }

    @Test
    void shouldWriteTheReferenceHeaderAndElementLayout() throws Exception {
        final UnsafeBuffer region = region(16);
        final EventQueue queue = EventQueue.format(region, 0, 16);
        assertEquals(Hex.compact("10000000 | 0000000000000000 | 0000000000000000 | 00000000"), Hex.of(region, 0, 24));
        assertTrue(queue.offer(5, 0x1234, QueueDescriptor.STATUS_HALF_CLOSED));
        assertEquals(Hex.compact("10000000 | 0000000000000000 | 0100000000000000 | 00000000"), Hex.of(region, 0, 24));
        assertEquals(Hex.compact("05000000 | 34120000 | 02000000"), Hex.of(region, 24, 12));
        assertTrue(queue.markWorking());
        assertEquals(Hex.compact("01000000"), Hex.of(region, 20, 4));
        assertEquals(24 + 12 * 16, QueueDescriptor.ringLength(16));
        assertEquals(16, EventQueue.capacityForRegion(QueueDescriptor.regionLength(16)));
    }

    @Test
    void shouldDeliverInOrderAndReportFull() throws Exception {
        final UnsafeBuffer region = region(16);
        final EventQueue producer = EventQueue.format(region, 0, 16);
        final EventQueue consumer = EventQueue.attach(region, 0, 16);
        for (int i = 0; i < 16; i++) {
            assertTrue(producer.offer(i, i * 10, 0));
        }
        assertFalse(producer.offer(99, 0, 0), "full at capacity");
        final List<Integer> ids = new ArrayList<>();
        assertEquals(16, consumer.drain((id, offset, status) -> {
            assertEquals(id * 10, offset);
            ids.add(id);
        }, 100));
        assertEquals(16, ids.size());
        for (int i = 0; i < 16; i++) {
            assertEquals(i, ids.get(i));
        }
        assertTrue(consumer.isEmpty());
        assertFalse(producer.offer(99, 0, 0), "the producer sees room only once the consumer publishes its head");
        assertTrue(consumer.headUnpublished());
        consumer.publishHead();
        assertFalse(consumer.headUnpublished());
        assertTrue(producer.offer(99, 0, 0), "room again after the consumer moved head");
    }

    @Test
    void shouldRejectAHeadThePeerMovedPastTheTail() {
        final UnsafeBuffer region = region(16);
        final EventQueue producer = EventQueue.format(region, 0, 16);
        region.putLong(QueueDescriptor.HEAD_OFFSET, 1000);
        assertThrows(ProtocolViolationException.class, () -> producer.offer(1, 0, 0));
    }

    @Test
    void shouldRejectATailBeyondCapacity() throws Exception {
        final UnsafeBuffer region = region(16);
        EventQueue.format(region, 0, 16);
        final EventQueue consumer = EventQueue.attach(region, 0, 16);
        region.putLong(QueueDescriptor.TAIL_OFFSET, 17);
        assertThrows(ProtocolViolationException.class, () -> consumer.drain((a, b, c) -> { }, 100));
    }

    @Test
    void shouldRejectACapacityThatDisagreesWithTheRegion() {
        final UnsafeBuffer region = region(16);
        EventQueue.format(region, 0, 16);
        region.putInt(0, 1 << 30);
        assertThrows(ProtocolViolationException.class, () -> EventQueue.attach(region, 0, 16));
    }

    @Test
    void shouldKeepEveryElementFromManyProducerThreads() throws Exception {
        final UnsafeBuffer region = region(64);
        final EventQueue producer = EventQueue.format(region, 0, 64);
        final EventQueue consumer = EventQueue.attach(region, 0, 64);
        final int threads = 4;
        final int perThread = 20_000;
        final CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            final int id = t;
            new Thread(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        while (!producer.offer(id, i, 0)) {
                            Thread.yield(); // more threads than CPUs: let the consumer run
                        }
                    }
                } catch (ProtocolViolationException e) {
                    throw new AssertionError(e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        final int[] next = new int[threads];
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int received = 0;
        while (received < threads * perThread && System.nanoTime() < deadline) {
            final int drained = consumer.drain((id, seq, status) -> {
                assertEquals(next[id], seq, "per-producer order");
                next[id]++;
            }, 256);
            received += drained;
            consumer.publishHead();
            if (drained == 0) {
                Thread.yield();
            }
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(threads * perThread, received);
    }
}
