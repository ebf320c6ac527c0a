package io.shmipc.core;

import org.agrona.DirectBuffer;

/** Hex helpers for golden byte images in tests. */
public final class Hex {
    private Hex() {
    }

    /** Hex of {@code length} bytes from {@code index}, lower case, no separators. */
    public static String of(final DirectBuffer buffer, final int index, final int length) {
        final StringBuilder out = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            out.append(String.format("%02x", buffer.getByte(index + i) & 0xFF));
        }
        return out.toString();
    }

    /** Removes spaces and '|' so golden strings can be grouped by field. */
    public static String compact(final String golden) {
        return golden.replace(" ", "").replace("|", "");
    }
}
