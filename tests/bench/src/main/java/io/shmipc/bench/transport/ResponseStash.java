package io.shmipc.bench.transport;

import io.shmipc.bench.spi.PayloadReader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Holds responses that a multiplexed client read while it was waiting for something else: a response for another
 * stream, or any response read to free ring space while a send was blocked (without that, a client blocked on a
 * full request ring and a server blocked on a full response ring would wait for each other forever).
 * <p>
 * Each stream has at most one call outstanding, so one slot per stream suffices. Slots grow to the largest payload
 * once and are reused.
 */
final class ResponseStash
{
    private static final int EMPTY = -1;

    private final UnsafeBuffer[] slots;
    private final int[] lengths;

    ResponseStash(final int streams)
    {
        slots = new UnsafeBuffer[streams];
        lengths = new int[streams];
        Arrays.fill(lengths, EMPTY);
    }

    /**
     * Delivers and clears the stashed response of {@code stream}, if there is one.
     *
     * @return true when a response was delivered.
     */
    boolean take(final int stream, final PayloadReader reader)
    {
        final int length = lengths[stream];
        if (length == EMPTY)
        {
            return false;
        }
        lengths[stream] = EMPTY;
        reader.read(slots[stream], 0, length);
        return true;
    }

    /**
     * Copies a response into the slot of {@code stream}.
     *
     * @throws IllegalStateException when the stream is unknown or already has a stashed response, which means the
     *                               peer answered a call that was not made.
     */
    void put(final int stream, final DirectBuffer source, final int offset, final int length)
    {
        if (stream < 0 || stream >= slots.length)
        {
            throw new IllegalStateException("response for unknown stream " + stream);
        }
        if (lengths[stream] != EMPTY)
        {
            throw new IllegalStateException("second response on stream " + stream + " with one call outstanding");
        }
        UnsafeBuffer slot = slots[stream];
        if (slot == null || slot.capacity() < length)
        {
            slot = new UnsafeBuffer(new byte[Math.max(length, 64)]);
            slots[stream] = slot;
        }
        slot.putBytes(0, source, offset, length);
        lengths[stream] = length;
    }
}
