package io.shmipc.core.layout;

/**
 * Layout of one slice: a 20-byte header followed by its data. Native-endian.
 *
 * <pre>
 *   0            4            8            12           16      17           20
 *   +------------+------------+------------+------------+-------+------------+------ data
 *   | capacity   | size       | start      | next       | flags | unused     |
 *   | (u32)      | (u32)      | (u32)      | (u32)      | (u8)  | (3 bytes)  |
 *   +------------+------------+------------+------------+-------+------------+------
 * </pre>
 *
 * {@code next} is relative to the list's slice area while the slice is on a free list, and an absolute offset in
 * the buffer region while the slice is part of a message chain. {@code start} is the offset of the first data byte
 * inside the data area (0 in practice); {@code size} counts the bytes written after it.
 */
public final class SliceDescriptor {
    public static final int CAPACITY_OFFSET = 0;
    public static final int SIZE_OFFSET = 4;
    public static final int START_OFFSET = 8;
    public static final int NEXT_OFFSET = 12;
    public static final int FLAGS_OFFSET = 16;
    public static final int HEADER_LENGTH = 20;

    public static final int FLAG_HAS_NEXT = 1;
    public static final int FLAG_IN_USE = 1 << 1;

    private SliceDescriptor() {
    }
}
