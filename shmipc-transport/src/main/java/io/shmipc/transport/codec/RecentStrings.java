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
    @SuppressWarnings("unchecked")
    private static final BytesEntry<String>[] TABLE = new BytesEntry[SLOTS];

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
        final int hash = BytesEntry.hash(buffer, index, length);
        final int slot = hash & MASK;
        final String known = BytesEntry.valueIfMatches(TABLE[slot], hash, buffer, index, length);
        if (known != null)
        {
            return known;
        }
        final String value = decode(buffer, index, length);
        // Kept with its bytes as re-encoded: invalid UTF-8 never matches again, and is decoded afresh each time.
        TABLE[slot] = new BytesEntry<>(hash, value.getBytes(StandardCharsets.UTF_8), value);
        return value;
    }

    private static String decode(final DirectBuffer buffer, final int index, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(index, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
