package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;

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
    private final byte[] bytes;
    private final T value;

    BytesEntry(final int hash, final byte[] bytes, final T value)
    {
        this.hash = hash;
        this.bytes = bytes;
        this.value = value;
    }

    /**
     * @return the value, if this entry holds the {@code length} bytes at {@code index} (with hash {@code hash}),
     * else {@code null}.
     */
    static <T> T valueIfMatches(
        final BytesEntry<T> entry, final int hash, final DirectBuffer buffer, final int index, final int length)
    {
        if (entry == null || entry.hash != hash || entry.bytes.length != length)
        {
            return null;
        }
        for (int i = 0; i < length; i++)
        {
            if (entry.bytes[i] != buffer.getByte(index + i))
            {
                return null;
            }
        }
        return entry.value;
    }
}
