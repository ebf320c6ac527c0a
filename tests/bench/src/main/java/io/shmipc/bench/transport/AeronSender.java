package io.shmipc.bench.transport;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import io.shmipc.bench.spi.PayloadWriter;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeoutException;

/**
 * Sends stream-tagged messages on an exclusive publication: in place through {@code tryClaim} when the message fits
 * one frame, otherwise written to a scratch buffer and offered (Aeron fragments it).
 */
final class AeronSender
{
    /**
     * What to do while the publication is back-pressured, e.g. drain the other direction.
     */
    @FunctionalInterface
    interface BackPressureWork
    {
        /**
         * @return work done, for the idle strategy.
         */
        int doWork();
    }

    private final ExclusivePublication publication;
    private final BufferClaim claim = new BufferClaim();
    private final UnsafeBuffer scratch;
    private final IdleStrategy idleStrategy;
    private final Deadline deadline;
    private final BackPressureWork backPressureWork;
    private final String name;

    AeronSender(
        final ExclusivePublication publication,
        final int maxPayload,
        final IdleStrategy idleStrategy,
        final long timeoutNanos,
        final BackPressureWork backPressureWork,
        final String name)
    {
        this.publication = publication;
        this.scratch = new UnsafeBuffer(new byte[RingFile.STREAM_HEADER_LENGTH + maxPayload]);
        this.idleStrategy = idleStrategy;
        this.deadline = new Deadline(timeoutNanos);
        this.backPressureWork = backPressureWork;
        this.name = name;
    }

    void send(final int stream, final int length, final PayloadWriter writer) throws TimeoutException
    {
        final int messageLength = RingFile.STREAM_HEADER_LENGTH + length;
        deadline.start();
        idleStrategy.reset();
        if (messageLength <= publication.maxPayloadLength())
        {
            long result;
            while ((result = publication.tryClaim(messageLength, claim)) < 0)
            {
                awaitRetry(result);
            }
            claim.buffer().putInt(claim.offset(), stream);
            writer.write(claim.buffer(), claim.offset() + RingFile.STREAM_HEADER_LENGTH, length);
            claim.commit();
            return;
        }
        scratch.putInt(0, stream);
        writer.write(scratch, RingFile.STREAM_HEADER_LENGTH, length);
        long result;
        while ((result = publication.offer(scratch, 0, messageLength)) < 0)
        {
            awaitRetry(result);
        }
    }

    private void awaitRetry(final long result) throws TimeoutException
    {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            throw new IllegalStateException(name + ": publication " +
                (result == Publication.CLOSED ? "closed" : "reached its maximum position"));
        }
        idleStrategy.idle(backPressureWork.doWork());
        deadline.check(name + " waiting to publish (" + (result == Publication.NOT_CONNECTED ?
            "no subscriber" : "back-pressured") + ")");
    }
}
