package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An entry of a table of things decoded lately ({@link RecentStrings}, {@link RecentInfoKeys}): the value and the
 * bytes it was decoded from, found again by comparing those bytes. Immutable, so tables can replace entries without
 * locks.
 *
 * @param <T> what the bytes decode to.
 */
final class BytesEntry<T>
{
    private final int hash;
    private final UnsafeBuffer bytes;
    private final T value;

    BytesEntry(final int hash, final byte[] bytes, final T value)
    {
        this.hash = hash;
        this.bytes = new UnsafeBuffer(bytes);
        this.value = value;
    }

    /**
     * @return a hash of the {@code length} bytes at {@code index}, taken eight bytes at a time.
     */
    static int hash(final DirectBuffer buffer, final int index, final int length)
    {
        long hash = length;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            hash = 31 * hash + buffer.getLong(index + i);
        }
        for (; i < length; i++)
        {
            hash = 31 * hash + buffer.getByte(index + i);
        }
        final int folded = (int)(hash ^ (hash >>> 32));
        return folded ^ (folded >>> 16);
    }

    /**
     * @return the value, if this entry holds the {@code length} bytes at {@code index} (with hash {@code hash}),
     * else {@code null}.
     */
    static <T> T valueIfMatches(
        final BytesEntry<T> entry, final int hash, final DirectBuffer buffer, final int index, final int length)
    {
        if (entry == null || entry.hash != hash || entry.bytes.capacity() != length)
        {
            return null;
        }
        final UnsafeBuffer bytes = entry.bytes;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            if (bytes.getLong(i) != buffer.getLong(index + i))
            {
                return null;
            }
        }
        for (; i < length; i++)
        {
            if (bytes.getByte(i) != buffer.getByte(index + i))
            {
                return null;
            }
        }
        return entry.value;
    }
}
