package io.shmipc.bench;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The payload pattern every sender writes and every receiver verifies in full.
 * <p>
 * Word 0 (8 bytes) holds the call's seed; word {@code k >= 1} holds {@code (seed + k) * GOLDEN}; the tail bytes of a
 * length that is not a multiple of 8 hold {@code (byte) (seed + offset)}. The seed changes on every call, so a stale,
 * truncated, shifted or corrupted payload fails verification. A server answers a request with seed {@code s} by a
 * response with seed {@link #responseSeed(long) s ^ RESPONSE_MASK}, so the client also proves it got the answer to
 * its own call. Words are in native byte order.
 */
public final class Payloads
{
    /** The smallest payload: room for the seed word. */
    public static final int MIN_LENGTH = Long.BYTES;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long RESPONSE_MASK = 0x5A5A_5A5A_A5A5_A5A5L;

    private Payloads()
    {
    }

    /**
     * @param requestSeed the seed of a request.
     * @return the seed its response must carry.
     */
    public static long responseSeed(final long requestSeed)
    {
        return requestSeed ^ RESPONSE_MASK;
    }

    /**
     * @param callNumber a per-sender call counter.
     * @param stream     the stream the call goes on.
     * @return a seed unique to the call.
     */
    public static long seedFor(final long callNumber, final int stream)
    {
        return (callNumber << 8 | (stream & 0xFF)) * GOLDEN + 1;
    }

    /**
     * Writes the pattern for {@code seed}.
     *
     * @param buffer destination.
     * @param offset where the payload starts.
     * @param length payload length, at least {@link #MIN_LENGTH}.
     * @param seed   the call's seed.
     */
    public static void fill(final MutableDirectBuffer buffer, final int offset, final int length, final long seed)
    {
        buffer.boundsCheck(offset, length);
        buffer.putLong(offset, seed);
        // Checked once above; per-word buffer calls re-read the buffer's fields after every store (Unsafe stores may
        // alias them) and ran three times slower than a copy, inflating large-payload round trips for every transport.
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        final int words = length >>> 3;
        long value = seed * GOLDEN;
        for (int k = 1; k < words; k++)
        {
            value += GOLDEN;
            UnsafeApi.putLong(array, address + ((long)k << 3), value);
        }
        for (int i = words << 3; i < length; i++)
        {
            buffer.putByte(offset + i, (byte)(seed + i));
        }
    }

    /**
     * Reads the seed of a payload without verifying it.
     *
     * @param buffer source.
     * @param offset where the payload starts.
     * @return the seed in word 0.
     */
    public static long seedOf(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset);
    }

    /**
     * Verifies every byte of a payload against the pattern for {@code expectedSeed}.
     *
     * @param buffer         source.
     * @param offset         where the payload starts.
     * @param length         payload length.
     * @param expectedLength the length the sender wrote.
     * @param expectedSeed   the seed the sender used.
     * @param where          names the receiver in the error message, e.g. {@code "tcp client"}.
     * @throws PayloadMismatchException naming the first bad offset when the payload differs.
     */
    public static void verify(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int expectedLength,
        final long expectedSeed,
        final String where)
    {
        if (length != expectedLength)
        {
            throw new PayloadMismatchException(where + " received " + length + " bytes, expected " + expectedLength);
        }
        if (length < MIN_LENGTH)
        {
            throw new PayloadMismatchException(where + " received " + length + " bytes, fewer than the seed word");
        }
        final long seed = buffer.getLong(offset);
        if (seed != expectedSeed)
        {
            throw new PayloadMismatchException(where + " size " + length + ": seed word is 0x" +
                Long.toHexString(seed) +
                ", expected 0x" + Long.toHexString(expectedSeed) + " (stale, foreign or corrupted payload)");
        }
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        final int words = length >>> 3;
        long value = seed * GOLDEN;
        for (int k = 1; k < words; k++)
        {
            value += GOLDEN;
            if (UnsafeApi.getLong(array, address + ((long)k << 3)) != value)
            {
                throw mismatchAt(where, length, k << 3);
            }
        }
        for (int i = words << 3; i < length; i++)
        {
            if (buffer.getByte(offset + i) != (byte)(seed + i))
            {
                throw mismatchAt(where, length, i);
            }
        }
    }

    private static PayloadMismatchException mismatchAt(final String where, final int length, final int badOffset)
    {
        return new PayloadMismatchException(
            where + " size " + length + ": bytes differ from the sender's pattern at offset " + badOffset);
    }
}
