package io.shmipc.bench.peer;

import io.shmipc.bench.Payloads;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Makes calls through a {@link BenchClient}: fills each request with a fresh seed's pattern and verifies each
 * response in full against the seed it must carry. Allocation-free per call.
 */
final class Caller implements PayloadWriter, PayloadReader
{
    private final BenchClient client;
    private final long[] pendingSeeds;
    private final String where;
    private int size;
    private long calls;
    private long writeSeed;
    private long expectedSeed;
    private long delivered;

    Caller(final BenchClient client, final int streams, final String where)
    {
        this.client = client;
        this.pendingSeeds = new long[streams];
        this.where = where;
    }

    void size(final int size)
    {
        this.size = size;
    }

    int streams()
    {
        return pendingSeeds.length;
    }

    void send(final int stream) throws Exception
    {
        final long seed = Payloads.seedFor(++calls, stream);
        pendingSeeds[stream] = seed;
        writeSeed = seed;
        client.send(stream, size, this);
    }

    void receive(final int stream) throws Exception
    {
        expectedSeed = Payloads.responseSeed(pendingSeeds[stream]);
        final long before = delivered;
        client.receive(stream, this);
        if (delivered == before)
        {
            throw new IllegalStateException(where + ": receive on stream " + stream + " returned without a response");
        }
    }

    void call() throws Exception
    {
        send(0);
        receive(0);
    }

    @Override
    public void write(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        Payloads.fill(buffer, offset, length, writeSeed);
    }

    @Override
    public void read(final DirectBuffer buffer, final int offset, final int length)
    {
        Payloads.verify(buffer, offset, length, size, expectedSeed, where);
        delivered++;
    }
}
