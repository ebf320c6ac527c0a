package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The names decoded lately (method names, info keys and their values; never ACL tokens), found again by their bytes: the same few
 * names come in every frame, and reusing the decoded string saves a byte array, a string and a copy per name per
 * frame. A small table indexed by a hash of the bytes, shared by every thread: entries are immutable and replaced
 * whole, so a race only costs a miss. Only short strings are kept; a peer sending ever new names only turns the
 * table over.
 */
final class RecentStrings
{
    /** Longest string kept, in bytes. */
    static final int MAX_LENGTH = 64;
    private static final int SLOTS = 256;
    private static final int MASK = SLOTS - 1;
    private static final Entry[] TABLE = new Entry[SLOTS];

    private RecentStrings()
    {
    }

    /**
     * @return the string of the {@code length} UTF-8 bytes at {@code index}, decoded now or earlier.
     */
    static String get(final DirectBuffer buffer, final int index, final int length)
    {
        if (length > MAX_LENGTH)
        {
            return decode(buffer, index, length);
        }
        int hash = length;
        for (int i = 0; i < length; i++)
        {
            hash = 31 * hash + buffer.getByte(index + i);
        }
        final int slot = (hash ^ (hash >>> 16)) & MASK;
        final Entry entry = TABLE[slot];
        if (entry != null && entry.hash == hash && entry.matches(buffer, index, length))
        {
            return entry.value;
        }
        final String value = decode(buffer, index, length);
        TABLE[slot] = new Entry(hash, value.getBytes(StandardCharsets.UTF_8), value);
        return value;
    }

    private static String decode(final DirectBuffer buffer, final int index, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(index, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * A decoded string and the bytes it came from (as re-encoded: invalid UTF-8 never matches again, and is decoded
     * afresh each time).
     */
    private static final class Entry
    {
        private final int hash;
        private final byte[] bytes;
        private final String value;

        Entry(final int hash, final byte[] bytes, final String value)
        {
            this.hash = hash;
            this.bytes = bytes;
            this.value = value;
        }

        boolean matches(final DirectBuffer buffer, final int index, final int length)
        {
            if (bytes.length != length)
            {
                return false;
            }
            for (int i = 0; i < length; i++)
            {
                if (bytes[i] != buffer.getByte(index + i))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
