package io.shmipc.bench.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * Length-prefixed frames over a blocking stream socket: a 4-byte little-endian payload length, then the payload.
 */
final class SocketFraming
{
    /** Bytes of the length prefix. */
    static final int HEADER_LENGTH = Integer.BYTES;

    private SocketFraming()
    {
    }

    /**
     * @param capacity payload capacity.
     * @return a direct buffer with room for the header and {@code capacity} payload bytes.
     */
    static ByteBuffer allocate(final int capacity)
    {
        return ByteBuffer.allocateDirect(HEADER_LENGTH + capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code buffer}'s header and payload, which the caller has filled, completely.
     */
    static void writeFrame(final SocketChannel channel, final ByteBuffer buffer, final int payloadLength)
        throws IOException
    {
        buffer.clear();
        buffer.putInt(0, payloadLength);
        buffer.limit(HEADER_LENGTH + payloadLength);
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    /**
     * Reads one frame into {@code buffer}.
     *
     * @return the payload length, or -1 on a clean end of stream before a frame started.
     * @throws IOException on an end of stream inside a frame or a frame larger than {@code buffer} can hold.
     */
    static int readFrame(final SocketChannel channel, final ByteBuffer buffer) throws IOException
    {
        buffer.clear().limit(HEADER_LENGTH);
        if (!readFully(channel, buffer, true))
        {
            return -1;
        }
        final int length = buffer.getInt(0);
        if (length < 0 || length > buffer.capacity() - HEADER_LENGTH)
        {
            throw new IOException("frame of " + length + " bytes does not fit the " +
                (buffer.capacity() - HEADER_LENGTH) + "-byte receive buffer");
        }
        buffer.limit(HEADER_LENGTH + length);
        readFully(channel, buffer, false);
        return length;
    }

    private static boolean readFully(final SocketChannel channel, final ByteBuffer buffer, final boolean eofAllowed)
        throws IOException
    {
        final int start = buffer.position();
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                if (eofAllowed && buffer.position() == start)
                {
                    return false;
                }
                throw new EOFException("peer closed the connection inside a frame");
            }
        }
        return true;
    }
}
