package io.shmipc.nativeio;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** NUL-terminated byte strings for C calls, encoded the way the JDK encodes file names. */
final class CStrings {
    /** The JDK's own file-name encoding, so a path means the same file here as in {@code java.nio.file}. */
    private static final Charset FILE_NAME_CHARSET = fileNameCharset();

    private CStrings() {
    }

    /**
     * @param text a path or name without NUL characters
     * @return its bytes followed by one NUL
     * @throws IllegalArgumentException if {@code text} contains a NUL character
     */
    static byte[] of(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a C string cannot contain a NUL character: " + quote(text));
        }
        byte[] bytes = text.getBytes(FILE_NAME_CHARSET);
        byte[] terminated = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, terminated, 0, bytes.length);
        return terminated;
    }

    /** The text in double quotes, for messages. */
    static String quote(String text) {
        return '"' + text + '"';
    }

    private static Charset fileNameCharset() {
        try {
            String name = System.getProperty("sun.jnu.encoding");
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException unknownCharset) {
            return StandardCharsets.UTF_8;
        }
    }
}
