package io.shmipc.interop;

/**
 * Writes the strings and string arrays of the Kitex scenarios' JSON summary lines (info keys, check results).
 */
final class JsonText {
    private JsonText() {
    }

    /** @return {@code value.toString()} as a JSON string, escaped. */
    static String quote(final Object value) {
        final StringBuilder out = new StringBuilder();
        appendQuoted(out, value.toString());
        return out.toString();
    }

    /** @return {@code ["a","b",...]} of the values' {@code toString()}, escaped. */
    static String array(final Iterable<?> values) {
        final StringBuilder out = new StringBuilder("[");
        for (final Object value : values) {
            if (out.length() > 1) {
                out.append(',');
            }
            appendQuoted(out, value.toString());
        }
        return out.append(']').toString();
    }

    private static void appendQuoted(final StringBuilder out, final String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
