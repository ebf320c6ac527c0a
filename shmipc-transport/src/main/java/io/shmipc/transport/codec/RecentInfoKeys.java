package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;

/**
 * The info blocks decoded lately, found again by their bytes: a client sends the same keys with every call, and
 * taking the {@link InfoKeys} decoded from the same bytes before saves the maps, their entries and the decoding. The
 * keys are immutable and shared copy-on-write by the headers that take them ({@link TTHeader#info(InfoKeys)}), so a
 * hit gives exactly what decoding would. A small table indexed by a hash of the bytes, shared by every thread:
 * entries are immutable and replaced whole, so a race only costs a miss. Only short runs of blocks are kept; a peer
 * sending ever new keys only turns the table over. ACL tokens are never in it: they are not part of an info block.
 */
final class RecentInfoKeys
{
    /** Longest run of info blocks kept, in bytes. */
    static final int MAX_LENGTH = 256;
    private static final int SLOTS = 64;
    private static final int MASK = SLOTS - 1;
    @SuppressWarnings("unchecked")
    private static final BytesEntry<InfoKeys>[] TABLE = new BytesEntry[SLOTS];

    private RecentInfoKeys()
    {
    }

    /**
     * @return the keys decoded earlier from the {@code length} bytes at {@code index}, or {@code null}.
     */
    static InfoKeys get(final DirectBuffer buffer, final int index, final int length)
    {
        final int hash = BytesEntry.hash(buffer, index, length);
        return BytesEntry.valueIfMatches(TABLE[hash & MASK], hash, buffer, index, length);
    }

    /**
     * Remember {@code keys} as what the {@code length} bytes at {@code index} decode to.
     */
    static void put(final DirectBuffer buffer, final int index, final int length, final InfoKeys keys)
    {
        final int hash = BytesEntry.hash(buffer, index, length);
        final byte[] bytes = new byte[length];
        buffer.getBytes(index, bytes);
        TABLE[hash & MASK] = new BytesEntry<>(hash, bytes, keys);
    }
}
