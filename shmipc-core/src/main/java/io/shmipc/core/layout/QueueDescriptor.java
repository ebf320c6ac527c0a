package io.shmipc.core.layout;

/**
 * Layout of the queue region: two rings of 12-byte elements, the first carrying client-to-server elements and the
 * second server-to-client ones. Values are native-endian (little-endian on x86-64), as the reference peers write them.
 *
 * <pre>
 * ring header (24 bytes, x86-64 order)
 *   0                   4                                       12                                      20           24
 *   +-------------------+---------------------------------------+---------------------------------------+------------+
 *   | capacity (u32)    | head (i64, written by the consumer)   | tail (i64, written by the producer)   | working    |
 *   +-------------------+---------------------------------------+---------------------------------------+------------+
 * element (12 bytes), at 24 + 12 * (index % capacity)
 *   +-------------------+-------------------+-------------------+
 *   | stream id (u32)   | buffer offset     | status (u32)      |   status low byte: 0 open, 1 closed, 2 half-closed
 *   +-------------------+-------------------+-------------------+
 * </pre>
 *
 * head and tail sit at addresses that are 4 mod 8; keeping the capacity a multiple of {@link #CAPACITY_ALIGNMENT}
 * keeps both 8-byte fields of each ring inside one 64-byte cache line, so plain 8-byte accesses stay atomic.
 */
public final class QueueDescriptor {
    public static final int CAPACITY_OFFSET = 0;
    public static final int HEAD_OFFSET = 4;
    public static final int TAIL_OFFSET = 12;
    public static final int WORKING_FLAG_OFFSET = 20;
    public static final int HEADER_LENGTH = 24;

    public static final int ELEMENT_STREAM_ID_OFFSET = 0;
    public static final int ELEMENT_BUFFER_OFFSET_OFFSET = 4;
    public static final int ELEMENT_STATUS_OFFSET = 8;
    public static final int ELEMENT_LENGTH = 12;

    public static final int STATUS_OPEN = 0;
    public static final int STATUS_CLOSED = 1;
    public static final int STATUS_HALF_CLOSED = 2;
    public static final int STATUS_STATE_MASK = 0xFF;

    /** Reference default element count per ring. */
    public static final int DEFAULT_CAPACITY = 8192;
    /** Capacities we create are multiples of this, so head and tail never straddle a cache line. */
    public static final int CAPACITY_ALIGNMENT = 16;
    /** Upper bound on a ring's capacity we accept from a peer (the region would be ~100 MiB). */
    public static final int MAX_CAPACITY = 1 << 23;

    private QueueDescriptor() {
    }

    /** Bytes taken by one ring of the given capacity. */
    public static long ringLength(final int capacity) {
        return HEADER_LENGTH + (long) ELEMENT_LENGTH * capacity;
    }

    /** Bytes taken by the whole queue region (two rings). */
    public static long regionLength(final int capacity) {
        return 2 * ringLength(capacity);
    }

    /** Offset of the element slot for a sequence number, relative to the ring start. */
    public static int elementOffset(final long sequence, final int capacity) {
        return HEADER_LENGTH + (int) (sequence % capacity) * ELEMENT_LENGTH;
    }
}
