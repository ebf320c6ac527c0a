package io.shmipc.bench.transport;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamReader;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.time.Duration;

/**
 * Message framing of the {@code shm} bench transport: a 4-byte little-endian payload length, then the payload.
 */
final class ShmFraming
{
    static final int HEADER_LENGTH = 4;

    private ShmFraming()
    {
    }

    /**
     * Waits for the next message on {@code stream} and returns its payload length, the payload then being the next
     * bytes of the reader; -1 at a clean end of the stream.
     */
    static int awaitMessage(final Stream stream, final long timeoutNanos) throws ShmIpcException
    {
        final StreamReader reader = stream.reader();
        if (!reader.await(HEADER_LENGTH, timeoutNanos))
        {
            return -1;
        }
        final int length = peekLength(stream);
        reader.release(HEADER_LENGTH);
        if (!reader.await(length, timeoutNanos))
        {
            throw new ShmIpcException("stream " + stream.id() + " ended inside a " + length + "-byte message");
        }
        return length;
    }

    /**
     * The payload length announced by the header at the front of {@code stream}, which must be buffered; the header
     * stays unread.
     */
    static int peekLength(final Stream stream) throws ShmIpcException
    {
        final int length = stream.reader().view(HEADER_LENGTH).getInt(0, ByteOrder.LITTLE_ENDIAN);
        if (length < 0)
        {
            throw new ShmIpcException("bench message announces a negative length " + length);
        }
        return length;
    }

    /** The payload of the message {@link #awaitMessage} announced, in place when it lies in one slice. */
    static DirectBuffer payload(final Stream stream, final int length) throws ShmIpcException
    {
        return stream.reader().view(length);
    }

    static Duration timeout(final long timeoutNanos)
    {
        return Duration.ofNanos(timeoutNanos);
    }
}
