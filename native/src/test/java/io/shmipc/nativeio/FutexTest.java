package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.shmipc.nativeio.SharedMemory.getInt;
import static io.shmipc.nativeio.SharedMemory.setInt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FutexTest {
    private static final long WAIT_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Test
    void shouldWakeWaiterThroughAnotherMappingOfTheSameMemfd() throws Exception {
        try (SharedMemory memory = new SharedMemory("futex-test")) {
            long waiterView = memory.map();
            long wakerView = memory.map();
            assertTrue(waiterView != wakerView, "two distinct mappings");

            CompletableFuture<Integer> waitResult =
                TestThreads.start(() -> Futex.wait(waiterView, 0, WAIT_LIMIT_NANOS));

            int woken = wakeOneWithin(wakerView, Duration.ofSeconds(10));

            assertEquals(1, woken, "the wake through the other mapping found the waiter");
            assertEquals(Futex.WOKEN, waitResult.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void shouldWakeWaiterWithoutTimeout() throws Exception {
        try (SharedMemory memory = new SharedMemory("futex-no-timeout")) {
            long word = memory.map();
            CompletableFuture<Integer> waitResult = TestThreads.start(() -> Futex.wait(word, 0, 0));
            try {
                assertEquals(1, wakeOneWithin(word, Duration.ofSeconds(10)));
                assertEquals(Futex.WOKEN, waitResult.get(10, TimeUnit.SECONDS));
            } finally {
                setInt(word, 1);
                Futex.wake(word, Integer.MAX_VALUE);
            }
        }
    }

    @Test
    void shouldReturnTimedOutWhenNobodyWakes() throws Exception {
        try (SharedMemory memory = new SharedMemory("futex-timeout")) {
            long word = memory.map();
            long start = System.nanoTime();

            int result = Futex.wait(word, 0, TimeUnit.MILLISECONDS.toNanos(50));

            assertEquals(Futex.TIMED_OUT, result);
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "slept about the timeout");
        }
    }

    @Test
    void shouldReturnValueChangedWhenTheWordDiffers() throws Exception {
        try (SharedMemory memory = new SharedMemory("futex-changed")) {
            long word = memory.map();
            setInt(word, 7);

            assertEquals(Futex.VALUE_CHANGED, Futex.wait(word, 0, TimeUnit.SECONDS.toNanos(1)));
            assertEquals(7, getInt(word));
        }
    }

    @Test
    void shouldWakeNobodyWhenNobodyWaits() throws Exception {
        try (SharedMemory memory = new SharedMemory("futex-nobody")) {
            assertEquals(0, Futex.wake(memory.map(), Integer.MAX_VALUE));
        }
    }

    @Test
    void shouldRejectMisalignedWord() throws Exception {
        try (SharedMemory memory = new SharedMemory("futex-misaligned")) {
            long word = memory.map() + 2;
            assertThrows(IllegalArgumentException.class, () -> Futex.wait(word, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> Futex.wake(word, 1));
        }
    }

    /** Wakes one waiter as soon as one sleeps on {@code word}; returns how many were woken (0 if none came). */
    static int wakeOneWithin(long word, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            int woken = Futex.wake(word, 1);
            if (woken > 0) {
                return woken;
            }
            Thread.sleep(1);
        }
        return 0;
    }
}
