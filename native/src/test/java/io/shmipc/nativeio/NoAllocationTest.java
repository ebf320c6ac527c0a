package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 10_000;
    /** Far below one small object per call: what the measurement itself may cost. */
    private static final long SLACK_BYTES = 4096;

    @Test
    void shouldNotAllocateOnFutexCalls() throws Exception {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        try (SharedMemory memory = new SharedMemory("no-allocation")) {
            long word = memory.map();
            SharedMemory.setInt(word, 1);
            exercise(word, WARM_UP);

            long before = threads.getCurrentThreadAllocatedBytes();
            exercise(word, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertTrue(allocated < SLACK_BYTES, allocated + " bytes allocated over " + MEASURED + " rounds");
        }
    }

    private static void exercise(long word, int rounds) {
        for (int i = 0; i < rounds; i++) {
            assertEquals(0, Futex.wake(word, 1));
            assertEquals(Futex.VALUE_CHANGED, Futex.wait(word, 0, 1_000_000));
            assertEquals(Futex.VALUE_CHANGED, Futex.wait(word, 0, 0));
        }
    }
}
