package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 helpers that measure and write without allocating for ASCII strings, which method names and info keys
 * nearly always are.
 */
final class Utf8
{
    private Utf8()
    {
    }

    /**
     * @return the number of bytes {@code value} takes in UTF-8.
     */
    static int encodedLength(final String value)
    {
        final int length = value.length();
        for (int i = 0; i < length; i++)
        {
            if (value.charAt(i) >= 0x80)
            {
                return value.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return length;
    }

    /**
     * Write {@code value} as UTF-8 at {@code index}.
     *
     * @return the number of bytes written.
     */
    static int put(final MutableDirectBuffer buffer, final int index, final String value)
    {
        final int length = value.length();
        for (int i = 0; i < length; i++)
        {
            if (value.charAt(i) >= 0x80)
            {
                final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                buffer.putBytes(index, bytes);
                return bytes.length;
            }
        }
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(index + i, (byte)value.charAt(i));
        }
        return length;
    }

    /**
     * @return the string of {@code length} UTF-8 bytes at {@code index}.
     */
    static String get(final DirectBuffer buffer, final int index, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(index, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * @return the name (method name, info key or value) of {@code length} UTF-8 bytes at {@code index}, reusing the
     * string decoded the last time the same bytes came ({@link RecentStrings}).
     */
    static String getName(final DirectBuffer buffer, final int index, final int length)
    {
        return RecentStrings.get(buffer, index, length);
    }
}
