package io.shmipc.core.layout;

/**
 * Layout of the two message rings a shmipc-java client lays out at the end of its buffer region, after the lists
 * (docs/PROTOCOL.md section 12). They replace the queue region's rings between two shmipc-java peers: a record
 * carries a small message's bytes itself, so the consumer reads one record where the reference protocol has it read
 * the tail, an element, a slice header and the slice's data. Native-endian.
 *
 * <pre>
 * rings: at the first 64-byte boundary after the lists; client-to-server ring, then server-to-client ring
 * ring header (128 bytes)
 *   0                   4                   8                                       64                      72
 *   +-------------------+-------------------+---------------------------------------+ ... +-----------------+ ...
 *   | capacity (u32)    | reserved (0)      | tail (i64, written by the producer)   |     | head (i64,      |
 *   |                   |                   |                                       |     | by the consumer)|
 *   +-------------------+-------------------+---------------------------------------+ ... +-----------------+ ...
 * then capacity bytes of records, each 8-byte aligned, at (position % capacity)
 *   0                   4                   8
 *   +-------------------+-------------------+------------------------------------------+
 *   | length (u32)      | type (u32)        | body: length - 8 bytes                   |
 *   +-------------------+-------------------+------------------------------------------+
 *   length counts the 8-byte header, is written last (release) and is 0 while the record is not there yet; the
 *   consumer zeroes what it consumed before it moves head past it.
 *   ELEMENT: stream id | buffer offset | status         (a queue element, same meaning: length 20)
 *   DATA:    stream id | the message's bytes            (length 12 + n)
 *   PADDING: nothing; fills the ring up to its end when a record does not fit before it
 * </pre>
 *
 * Positions only grow; tail - head never exceeds the capacity, a power of two.
 */
public final class MessageRingDescriptor {
    public static final int CAPACITY_OFFSET = 0;
    public static final int TAIL_OFFSET = 8;
    public static final int HEAD_OFFSET = 64;
    public static final int HEADER_LENGTH = 128;

    public static final int RECORD_LENGTH_OFFSET = 0;
    public static final int RECORD_TYPE_OFFSET = 4;
    public static final int RECORD_HEADER_LENGTH = 8;
    public static final int RECORD_ALIGNMENT = 8;

    public static final int TYPE_ELEMENT = 1;
    public static final int TYPE_DATA = 2;
    public static final int TYPE_PADDING = 3;

    public static final int STREAM_ID_OFFSET = RECORD_HEADER_LENGTH;
    public static final int ELEMENT_BUFFER_OFFSET_OFFSET = RECORD_HEADER_LENGTH + 4;
    public static final int ELEMENT_STATUS_OFFSET = RECORD_HEADER_LENGTH + 8;
    public static final int ELEMENT_RECORD_LENGTH = RECORD_HEADER_LENGTH + 12;
    public static final int DATA_OFFSET = RECORD_HEADER_LENGTH + 4;

    /** The rings start at a multiple of this past the region's start. */
    public static final int RINGS_ALIGNMENT = 64;
    /** Smallest and largest ring capacity a peer may lay out. */
    public static final int MIN_CAPACITY = 4 << 10;
    public static final int MAX_CAPACITY = 16 << 20;
    /** What a client lays out when its region has room for it (see {@link #capacityFor}). */
    public static final int DEFAULT_CAPACITY = 128 << 10;

    private MessageRingDescriptor() {
    }

    /** Bytes taken by one ring of the given capacity. */
    public static int ringLength(final int capacity) {
        return HEADER_LENGTH + capacity;
    }

    /** Bytes a client keeps free at its region's end for two rings of {@code capacity}, alignment included. */
    public static int reservedBytes(final int capacity) {
        return 2 * ringLength(capacity) + RINGS_ALIGNMENT;
    }

    /** Where the rings begin in a region whose lists take {@code listBytes} after the region header. */
    public static long ringsOffset(final long listBytes) {
        final long end = BufferRegionDescriptor.HEADER_LENGTH + listBytes;
        return (end + RINGS_ALIGNMENT - 1) & -RINGS_ALIGNMENT;
    }

    /**
     * The ring capacity a client lays out in a buffer region of {@code regionBytes}: the default, or less in a
     * small region (at most 1/32 of it for both rings together), or 0 when even the smallest would take too much.
     */
    public static int capacityFor(final long regionBytes) {
        final long budget = Math.min(DEFAULT_CAPACITY, regionBytes / 64);
        if (budget < MIN_CAPACITY) {
            return 0;
        }
        return Integer.highestOneBit((int) budget);
    }

    /** Size of a record of {@code length} bytes once aligned. */
    public static int aligned(final int length) {
        return (length + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }
}
