package io.shmipc.bench.peer;

import io.shmipc.bench.Payloads;
import io.shmipc.bench.spi.RequestHandler;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The end server's handler: verifies every byte of the request against the pattern of the seed it carries, then
 * writes a response of the same length with the response seed.
 * <p>
 * For the harness's own test, it can be told to corrupt one byte of every response from the n-th call on, to prove
 * that clients catch it.
 */
final class EchoHandler implements RequestHandler
{
    private final String where;
    private final long corruptFromCall;
    private long calls;

    /**
     * @param where           names this server in mismatch messages.
     * @param corruptFromCall 0 for an honest server, else the first call whose response is corrupted.
     */
    EchoHandler(final String where, final long corruptFromCall)
    {
        this.where = where;
        this.corruptFromCall = corruptFromCall;
    }

    @Override
    public void onRequest(
        final DirectBuffer request,
        final int requestOffset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        final long seed = Payloads.seedOf(request, requestOffset);
        Payloads.verify(request, requestOffset, length, length, seed, where);
        Payloads.fill(response, responseOffset, length, Payloads.responseSeed(seed));
        if (corruptFromCall > 0 && ++calls >= corruptFromCall)
        {
            final int victim = responseOffset + length / 2;
            response.putByte(victim, (byte)~response.getByte(victim));
        }
    }
}
