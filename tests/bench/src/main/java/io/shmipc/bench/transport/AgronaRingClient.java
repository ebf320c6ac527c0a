package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.util.concurrent.TimeoutException;

/**
 * The client of a {@link RingFile}: streams are multiplexed over the one ring pair by the stream index in each
 * record. Writes requests in place into a claim; reads responses in place, stashing those of other streams.
 */
final class AgronaRingClient implements BenchClient, MessageHandler
{
    private static final int NOBODY = -1;

    private final OneToOneRingBuffer requests;
    private final OneToOneRingBuffer responses;
    private final ResponseStash stash;
    private final IdleStrategy idleStrategy;
    private final Deadline deadline;
    private int wantedStream = NOBODY;
    private PayloadReader wantedReader;
    private boolean delivered;

    AgronaRingClient(final RingFile ring, final TransportSettings settings)
    {
        requests = ring.requests();
        responses = ring.responses();
        stash = new ResponseStash(settings.streams());
        idleStrategy = settings.waitMode().newIdleStrategy();
        deadline = new Deadline(settings.timeoutNanos());
    }

    @Override
    public void send(final int stream, final int length, final PayloadWriter writer) throws TimeoutException
    {
        final int recordLength = RingFile.STREAM_HEADER_LENGTH + length;
        deadline.start();
        idleStrategy.reset();
        int claim;
        while ((claim = requests.tryClaim(RingFile.MESSAGE_TYPE, recordLength)) == RingBuffer.INSUFFICIENT_CAPACITY)
        {
            // Free response space so the server can go on and in turn drain the request ring.
            wantedStream = NOBODY;
            idleStrategy.idle(responses.read(this));
            deadline.check("agrona-ring client waiting for request ring space");
        }
        final AtomicBuffer buffer = requests.buffer();
        buffer.putInt(claim, stream);
        writer.write(buffer, claim + RingFile.STREAM_HEADER_LENGTH, length);
        requests.commit(claim);
    }

    @Override
    public void receive(final int stream, final PayloadReader reader) throws TimeoutException
    {
        if (stash.take(stream, reader))
        {
            return;
        }
        wantedStream = stream;
        wantedReader = reader;
        delivered = false;
        deadline.start();
        idleStrategy.reset();
        try
        {
            while (!delivered)
            {
                idleStrategy.idle(responses.read(this, 1));
                if (!delivered)
                {
                    deadline.check("agrona-ring client waiting for a response on stream " + stream);
                }
            }
        }
        finally
        {
            wantedStream = NOBODY;
            wantedReader = null;
        }
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final int stream = buffer.getInt(index);
        final int offset = index + RingFile.STREAM_HEADER_LENGTH;
        final int payloadLength = length - RingFile.STREAM_HEADER_LENGTH;
        if (stream == wantedStream && !delivered)
        {
            delivered = true;
            wantedReader.read(buffer, offset, payloadLength);
        }
        else
        {
            stash.put(stream, buffer, offset, payloadLength);
        }
    }

    @Override
    public void close()
    {
        // The mapping is released with the process; the server owns and removes the file.
    }
}
