package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.shmipc.transport.codec.MalformedFrameException.Reason;

/**
 * Framed Thrift: a u32 length followed by that many bytes of Thrift message. Used on its own (Apache Thrift's
 * {@code TFramedTransport}) and as the payload of a TTHeaderFramed frame.
 */
public final class FramedThriftCodec
{
    /** Width of the length prefix. */
    public static final int LENGTH_FIELD_LENGTH = 4;
    /** Apache Thrift Java's default maximum frame size ({@code TConfiguration}). */
    public static final int THRIFT_DEFAULT_MAX_FRAME_SIZE = 16_384_000;
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private FramedThriftCodec()
    {
    }

    /**
     * Write the length prefix for a message of {@code messageLength} bytes.
     *
     * @return bytes written.
     */
    public static int encodeLength(final MutableDirectBuffer dst, final int index, final int messageLength)
    {
        dst.putInt(index, messageLength, ORDER);
        return LENGTH_FIELD_LENGTH;
    }

    /**
     * Read and check the length prefix of a framed message that stands alone on the wire.
     *
     * @param maxFrameSize largest acceptable frame, prefix included.
     * @return the whole frame's length, prefix included.
     * @throws MalformedFrameException when the length exceeds the limit.
     */
    public static int frameLength(final DirectBuffer src, final int index, final int maxFrameSize)
    {
        final long messageLength = src.getInt(index, ORDER) & 0xFFFF_FFFFL;
        checkFrameLength(messageLength, maxFrameSize);
        return (int)messageLength + LENGTH_FIELD_LENGTH;
    }

    /**
     * Check a length prefix against the caller's limit.
     *
     * @param messageLength the value of the u32 prefix.
     * @param maxFrameSize  largest acceptable frame, prefix included.
     * @throws MalformedFrameException with {@link Reason#FRAME_TOO_LARGE}.
     */
    public static void checkFrameLength(final long messageLength, final int maxFrameSize)
    {
        if (messageLength + LENGTH_FIELD_LENGTH > maxFrameSize)
        {
            throw new MalformedFrameException(Reason.FRAME_TOO_LARGE,
                "framed Thrift message of " + messageLength + " bytes exceeds the maximum frame size " +
                maxFrameSize);
        }
    }

    /**
     * Check that the framed message at {@code index} fills exactly {@code available} bytes, as it must when it is
     * the payload of an enclosing frame.
     *
     * @return the message length (without the prefix).
     * @throws MalformedFrameException with {@link Reason#FRAME_LENGTH_MISMATCH}.
     */
    public static int enclosedMessageLength(final DirectBuffer src, final int index, final int available)
    {
        if (available < LENGTH_FIELD_LENGTH)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_FRAME,
                "framed Thrift payload of " + available + " bytes has no room for its length");
        }
        final long messageLength = src.getInt(index, ORDER) & 0xFFFF_FFFFL;
        if (messageLength != available - LENGTH_FIELD_LENGTH)
        {
            throw new MalformedFrameException(Reason.FRAME_LENGTH_MISMATCH,
                "framed Thrift length " + messageLength + " but the enclosing frame holds " +
                (available - LENGTH_FIELD_LENGTH) + " bytes after it");
        }
        return (int)messageLength;
    }
}
