package io.shmipc.core.fuzz;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.buffer.SliceClass;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.shmipc.core.layout.BufferListDescriptor.CAPACITY_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.DATA_CAPACITY_OFFSET;
import static io.shmipc.core.layout.BufferListDescriptor.TAIL_OFFSET;
import static io.shmipc.core.layout.BufferRegionDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readable regressions for what the fuzz tests found; the raw inputs sit in the fuzz tests' inputs directories. Plain
 * JUnit tests: they run in the ordinary test execution, without Jazzer.
 */
class FuzzFindingsTest {
    /**
     * A list declaring 2^32-1 slices of 2^31-1 bytes: count * stride wrapped to a negative length that passed the
     * "runs past the lists' end" check, and the next list's header was then read at a negative index (an
     * IndexOutOfBoundsException out of attach). Input: BufferPoolFuzzTestInputs/.../attach-list-length-overflow.
     */
    @Test
    void shouldRejectAListWhoseLengthOverflowsALong() {
        final UnsafeBuffer region = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
        BufferPool.format(region, new SliceClass(44, 50), new SliceClass(108, 50));
        declareHugeFirstList(region);

        final ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
            () -> BufferPool.attach(region));
        assertTrue(e.getMessage().contains("4294967295 slices"), e.getMessage());
    }

    /** The same list alone in its region used to be accepted, as a pool of -1 slices. */
    @Test
    void shouldRejectAnOnlyListWhoseLengthOverflowsALong() {
        final UnsafeBuffer region = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
        BufferPool.format(region, new SliceClass(28, 100));
        declareHugeFirstList(region);

        assertThrows(ProtocolViolationException.class, () -> BufferPool.attach(region));
    }

    private static void declareHugeFirstList(final UnsafeBuffer region) {
        region.putInt(HEADER_LENGTH + CAPACITY_OFFSET, -1);
        region.putInt(HEADER_LENGTH + DATA_CAPACITY_OFFSET, Integer.MAX_VALUE);
        // A tail of 0 is a multiple of any stride, so the free-list checks do not stop the attach first.
        region.putInt(HEADER_LENGTH + TAIL_OFFSET, 0);
    }
}
