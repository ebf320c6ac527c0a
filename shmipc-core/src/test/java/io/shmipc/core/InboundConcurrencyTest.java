package io.shmipc.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream's inbound buffer with its three parties at once: a drainer adding slices, local-buffer messages and heap
 * arrays, the reader consuming them (mostly without the monitor), and clears (what a close does) from a third
 * thread. Every slice must be given back exactly once, whoever took it off, and every heap array accounted for once.
 */
class InboundConcurrencyTest {
    private static final int TRIALS = 100;
    private static final int SEGMENTS = 5_000;

    @Test
    void shouldGiveEverySegmentBackExactlyOnceWhileReaderDrainerAndCloseRace() throws Exception {
        for (int trial = 0; trial < TRIALS; trial++) {
            runTrial(trial);
        }
    }

    @Test
    void shouldShowTheReaderEverySegmentWhoseBytesItCountsAsAvailable() throws Exception {
        for (int trial = 0; trial < TRIALS; trial++) {
            runTrial(trial, false);
        }
    }

    @Test
    void shouldNeverWriteOverALocalMessageWhileItIsPinned() throws Exception {
        for (int trial = 0; trial < TRIALS; trial++) {
            runPinTrial(trial);
        }
    }

    /**
     * A drainer adds local-buffer messages, each filled with its own number, as fast as there is room; the reader
     * pins some of them (a take), consumes them, lets the drainer go on for a while, checks the bytes and unpins.
     */
    private static void runPinTrial(final int trial) throws Exception {
        final Inbound inbound = new Inbound(1 << 20, ignored -> { });
        final java.util.function.IntConsumer noSlices = slice -> { };
        final AtomicBoolean producing = new AtomicBoolean(true);
        final AtomicInteger corrupt = new AtomicInteger();
        final AtomicInteger pins = new AtomicInteger();
        final Thread drainer = new Thread(() -> {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final UnsafeBuffer source = new UnsafeBuffer(new byte[Inbound.MAX_LOCAL_MESSAGE]);
            for (int i = 0; i < SEGMENTS; i++) {
                final int length = 1 + random.nextInt(300);
                source.setMemory(0, length, (byte) i);
                if (!inbound.addLocal(source, 0, length)) {
                    // No room (or the first small message, which never goes there): the reader is behind.
                    i--;
                    Thread.onSpinWait();
                }
            }
            producing.set(false);
        });
        final Thread reader = new Thread(() -> {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final long[] head = new long[2];
            final Inbound.Cursor cursor = (slice, address, heapArray, heapIndex, length) -> {
                head[0] = address;
                head[1] = length;
            };
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            int next = 0;
            while (producing.get() || inbound.available() > 0) {
                if (!inbound.head(cursor)) {
                    Thread.onSpinWait();
                    continue;
                }
                final int length = (int) head[1];
                final boolean pin = random.nextInt(4) == 0 && inbound.pinLocal();
                if (pin) {
                    pins.incrementAndGet();
                    view.wrap(head[0], length);
                }
                inbound.consume(length, noSlices);
                if (pin) {
                    for (int spin = random.nextInt(2_000); spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                    for (int i = 0; i < length; i++) {
                        if (view.getByte(i) != (byte) next) {
                            corrupt.incrementAndGet();
                            break;
                        }
                    }
                    inbound.unpinLocal();
                }
                next++;
            }
        });
        drainer.start();
        reader.start();
        drainer.join(TimeUnit.SECONDS.toMillis(30));
        producing.set(false);
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!drainer.isAlive() && !reader.isAlive(), "trial " + trial + " hung");
        assertTrue(pins.get() > 0, "trial " + trial + ": premise, some messages were pinned");
        assertEquals(0, corrupt.get(), "trial " + trial + ": pinned messages written over");
    }

    private static void runTrial(final int trial) throws Exception {
        runTrial(trial, true);
    }

    private static void runTrial(final int trial, final boolean clearsToo) throws Exception {
        final ConcurrentHashMap<Integer, AtomicInteger> freed = new ConcurrentHashMap<>();
        final AtomicLong heapBytesReleased = new AtomicLong();
        final Inbound inbound = new Inbound(1 << 20, heapBytesReleased::addAndGet);
        final java.util.function.IntConsumer free =
            slice -> freed.computeIfAbsent(slice, k -> new AtomicInteger()).incrementAndGet();
        final AtomicBoolean producing = new AtomicBoolean(true);
        final AtomicBoolean cleared = new AtomicBoolean();
        final AtomicInteger invisible = new AtomicInteger();
        final AtomicLong heapBytesAdded = new AtomicLong();
        final AtomicInteger slicesAdded = new AtomicInteger();
        final UnsafeBuffer source = new UnsafeBuffer(new byte[Inbound.MAX_LOCAL_MESSAGE]);

        final Thread drainer = new Thread(() -> {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < SEGMENTS; i++) {
                final int length = 1 + random.nextInt(200);
                final int kind = random.nextInt(10);
                if (kind < 5 && inbound.addLocal(source, 0, length)) {
                    continue;
                }
                if (kind == 9) {
                    inbound.addHeap(new byte[length]);
                    heapBytesAdded.addAndGet(length);
                } else {
                    // Unique, 8-aligned fake slice offsets: only their identity matters here.
                    inbound.addSlice((i + 1) * 8, 0, kind == 8 ? 0 : length);
                    slicesAdded.incrementAndGet();
                }
            }
            producing.set(false);
        });
        final Thread reader = new Thread(() -> {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final Inbound.Cursor ignore = (slice, address, heapArray, heapIndex, length) -> { };
            while (producing.get() || inbound.available() > 0) {
                final long available = inbound.available();
                if (available == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                if (!inbound.head(ignore) && !cleared.get()) {
                    // Bytes counted as available must lie in a segment the reader can see.
                    invisible.incrementAndGet();
                }
                // A header on its own, then the rest of what is there, as a framed reader does.
                final long part = Math.min(available, 1 + random.nextInt(8));
                inbound.consume(part, free);
                inbound.consume(Math.min(inbound.available(), random.nextInt(400)), free);
            }
        });
        final Thread closer = new Thread(() -> {
            cleared.set(clearsToo);
            if (!clearsToo) {
                return;
            }
            // Several times in the middle of the traffic: a close may meet a take-off of the same segment each time.
            while (producing.get()) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(100)));
                inbound.clear(free);
            }
        });
        drainer.start();
        reader.start();
        closer.start();
        drainer.join(TimeUnit.SECONDS.toMillis(30));
        closer.join(TimeUnit.SECONDS.toMillis(30));
        producing.set(false);
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!drainer.isAlive() && !reader.isAlive() && !closer.isAlive(), "trial " + trial + " hung");
        // What was added after the close is given back by a last one.
        inbound.clear(free);

        assertEquals(0, invisible.get(), "trial " + trial + ": times the reader saw bytes available but no segment");
        assertEquals(slicesAdded.get(), freed.size(), "trial " + trial + ": every slice given back");
        freed.forEach((slice, count) -> assertEquals(1, count.get(),
            "trial " + trial + ": slice " + slice + " given back " + count.get() + " times"));
        assertEquals(heapBytesAdded.get(), heapBytesReleased.get(), "trial " + trial + ": heap arrays accounted once");
        assertEquals(0, inbound.available());
        assertEquals(0, inbound.segments());
        assertEquals(0, inbound.localBytesHeld());
    }
}
