package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Test helper: byte images written as hex.
 */
final class Bytes
{
    private Bytes()
    {
    }

    /**
     * @param hex hex digits; spaces, '|' and newlines are ignored.
     */
    static byte[] hex(final String hex)
    {
        final String digits = hex.replaceAll("[\\s|]", "");
        final byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    static UnsafeBuffer buffer(final String hex)
    {
        return new UnsafeBuffer(hex(hex));
    }

    static byte[] copy(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
