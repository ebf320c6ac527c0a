package io.shmipc.core.fuzz;

/**
 * Reads a fuzzer's byte array front to back as little-endian numbers, answering zero once it runs out. Reading from
 * the front keeps committed inputs easy to write and to read in a hex dump, unlike Jazzer's FuzzedDataProvider.
 */
final class FuzzInput {
    private static final int[] INT_EDGES = {0, Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFF, 0x10000};
    private static final long[] LONG_EDGES = {
        0, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, 0xFFFFFFFFL, Integer.MIN_VALUE};

    private final byte[] data;
    private int position;

    FuzzInput(final byte[] data) {
        this.data = data;
    }

    boolean hasMore() {
        return position < data.length;
    }

    int u8() {
        return position < data.length ? data[position++] & 0xFF : 0;
    }

    int u16() {
        return u8() | u8() << 8;
    }

    int i32() {
        return u16() | u16() << 16;
    }

    long i64() {
        return (i32() & 0xFFFFFFFFL) | (long) i32() << 32;
    }

    /** A value in {@code 0..bound-1}; {@code bound} must be positive. */
    int below(final int bound) {
        return Integer.remainderUnsigned(i32OrByte(bound), bound);
    }

    /** A value near one of the edges where arithmetic on untrusted ints tends to break. */
    int edgeInt() {
        return INT_EDGES[below(INT_EDGES.length)] + smallDelta();
    }

    /** A value near one of the edges where arithmetic on untrusted longs tends to break. */
    long edgeLong() {
        return LONG_EDGES[below(LONG_EDGES.length)] + smallDelta();
    }

    /** The rest of the input. */
    byte[] remaining() {
        final byte[] rest = java.util.Arrays.copyOfRange(data, Math.min(position, data.length), data.length);
        position = data.length;
        return rest;
    }

    /** Small bounds take one byte, so that the fuzzer's single-byte mutations reach every choice. */
    /** -4..3 from one byte. */
    private int smallDelta() {
        return (byte) u8() >> 5;
    }

    private int i32OrByte(final int bound) {
        return bound <= 0x100 ? u8() : bound <= 0x10000 ? u16() : i32();
    }
}
