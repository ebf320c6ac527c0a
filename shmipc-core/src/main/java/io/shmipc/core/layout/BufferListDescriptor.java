package io.shmipc.core.layout;

/**
 * Layout of one size class ("buffer list"): a 36-byte header followed by {@code capacity} slices of
 * {@code SliceDescriptor.HEADER_LENGTH + dataCapacity} bytes each. Native-endian.
 *
 * <pre>
 *   0            4            8            12           16              20                  36
 *   +------------+------------+------------+------------+---------------+-------------------+---------- slices
 *   | free count | capacity   | head       | tail       | data capacity | push/pop counters |
 *   | (i32)      | (u32)      | (u32)      | (u32)      | per slice     | (opaque, 16 B)    |
 *   +------------+------------+------------+------------+---------------+-------------------+----------
 * </pre>
 *
 * head and tail are offsets of the first and last free slice relative to the start of the slice area (offset 36).
 * The counters are monitoring only: the reference reader and writer disagree on where they start, so they are
 * written at +20 and +28 as the reference writer does and never relied upon.
 */
public final class BufferListDescriptor {
    public static final int FREE_COUNT_OFFSET = 0;
    public static final int CAPACITY_OFFSET = 4;
    public static final int HEAD_OFFSET = 8;
    public static final int TAIL_OFFSET = 12;
    public static final int DATA_CAPACITY_OFFSET = 16;
    public static final int PUSH_COUNT_OFFSET = 20;
    public static final int POP_COUNT_OFFSET = 28;
    public static final int HEADER_LENGTH = 36;

    private BufferListDescriptor() {
    }

    /** Bytes taken by a list header and its slices. */
    public static long listLength(final long sliceCount, final int dataCapacity) {
        return HEADER_LENGTH + sliceCount * (SliceDescriptor.HEADER_LENGTH + (long) dataCapacity);
    }
}
