package io.shmipc.bench.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeoutException;

/**
 * The Aeron IPC client: streams multiplexed by the stream index; responses of other streams, and those drained while
 * a send is back-pressured, go to a {@link ResponseStash}.
 */
final class AeronClient implements BenchClient, FragmentHandler
{
    private static final int NOBODY = -1;
    private static final int DRAIN_LIMIT = 16;

    private final Aeron aeron;
    private final ExclusivePublication requests;
    private final Subscription responses;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final AeronSender sender;
    private final ResponseStash stash;
    private final IdleStrategy idleStrategy;
    private final Deadline deadline;
    private int wantedStream = NOBODY;
    private PayloadReader wantedReader;
    private boolean delivered;
    private RuntimeException readerFailure;
    private boolean closed;

    AeronClient(final Aeron aeron, final TransportSettings settings) throws TimeoutException
    {
        this.aeron = aeron;
        this.requests = aeron.addExclusivePublication(
            AeronTransport.publicationChannel(settings.maxPayload()), AeronTransport.REQUEST_STREAM_ID);
        this.responses = aeron.addSubscription(AeronTransport.IPC_CHANNEL, AeronTransport.RESPONSE_STREAM_ID);
        this.stash = new ResponseStash(settings.streams());
        this.idleStrategy = settings.waitMode().newIdleStrategy();
        this.deadline = new Deadline(settings.timeoutNanos());
        this.sender = new AeronSender(requests, settings.maxPayload(), settings.waitMode().newIdleStrategy(),
            settings.timeoutNanos(), this::drainToStash, "aeron client");
        awaitConnected(settings.timeoutNanos());
    }

    private void awaitConnected(final long timeoutNanos) throws TimeoutException
    {
        final long deadlineNanos = System.nanoTime() + timeoutNanos;
        while (!requests.isConnected() || !responses.isConnected())
        {
            if (System.nanoTime() - deadlineNanos > 0)
            {
                throw new TimeoutException("aeron client: server did not connect within " +
                    timeoutNanos / 1_000_000 + " ms");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private int drainToStash()
    {
        wantedStream = NOBODY;
        final int fragments = responses.poll(assembler, DRAIN_LIMIT);
        rethrowReaderFailure();
        return fragments;
    }

    @Override
    public void send(final int stream, final int length, final PayloadWriter writer) throws TimeoutException
    {
        sender.send(stream, length, writer);
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
                // One fragment per poll so nothing past the wanted message is read and copied to the stash.
                idleStrategy.idle(responses.poll(assembler, 1));
                rethrowReaderFailure();
                if (!delivered)
                {
                    deadline.check("aeron client waiting for a response on stream " + stream);
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
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int stream = buffer.getInt(offset);
        final int payloadOffset = offset + RingFile.STREAM_HEADER_LENGTH;
        final int payloadLength = length - RingFile.STREAM_HEADER_LENGTH;
        try
        {
            if (stream == wantedStream && !delivered)
            {
                delivered = true;
                wantedReader.read(buffer, payloadOffset, payloadLength);
            }
            else
            {
                stash.put(stream, buffer, payloadOffset, payloadLength);
            }
        }
        catch (final RuntimeException e)
        {
            // Aeron hands handler exceptions to its error handler and polls on; carry the first one out ourselves.
            if (readerFailure == null)
            {
                readerFailure = e;
            }
        }
    }

    private void rethrowReaderFailure()
    {
        final RuntimeException failure = readerFailure;
        if (failure != null)
        {
            readerFailure = null;
            throw failure;
        }
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietCloseAll(requests, responses, aeron);
    }
}
