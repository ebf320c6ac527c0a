package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

import static io.shmipc.transport.codec.MalformedFrameException.Reason;

/**
 * Encodes and decodes whole RPC frames (TTHeader, TTHeaderFramed or framed Thrift) over {@link DirectBuffer}s.
 * <p>
 * Copies: encoding writes headers in place and copies the body once from the caller's buffer into the destination
 * (the destination being a socket buffer or a shared-memory slice). Decoding copies nothing: the decoded frame's body
 * points into the source buffer. Only strings (method name, info keys) become Java objects.
 */
public final class RpcFrameCodec
{
    private RpcFrameCodec()
    {
    }

    /**
     * @return the number of bytes {@link #encode} will write for {@code frame}.
     */
    public static int encodedLength(final RpcFrame frame)
    {
        final FrameHead head = frame.head();
        if (head != null && head.fits(frame.bodyLength()))
        {
            return head.length() + frame.bodyLength();
        }
        final int messageLength = ThriftMessageCodec.headerLength(frame.method()) + frame.bodyLength();
        switch (frame.format())
        {
            case FRAMED:
                return FramedThriftCodec.LENGTH_FIELD_LENGTH + messageLength;
            case TTHEADER:
                return TTHeaderCodec.headerLength(frame.header()) + messageLength;
            case TTHEADER_FRAMED:
                return TTHeaderCodec.headerLength(frame.header()) + FramedThriftCodec.LENGTH_FIELD_LENGTH +
                    messageLength;
            default:
                throw new IllegalStateException("unhandled format " + frame.format());
        }
    }

    /**
     * Encode {@code frame} at {@code offset}; the destination must have {@link #encodedLength} bytes there.
     *
     * @return bytes written.
     */
    public static int encode(final RpcFrame frame, final MutableDirectBuffer dst, final int offset)
    {
        int index = offset + encodeHead(frame, dst, offset);
        if (frame.bodyLength() > 0)
        {
            dst.putBytes(index, frame.body(), frame.bodyOffset(), frame.bodyLength());
            index += frame.bodyLength();
        }
        return index - offset;
    }

    /**
     * Encode everything of {@code frame} but its body ({@link #encodedLength} minus the body's length), so that a
     * transport whose memory is not contiguous can place the body elsewhere (a scatter write).
     *
     * @return bytes written.
     */
    public static int encodeHead(final RpcFrame frame, final MutableDirectBuffer dst, final int offset)
    {
        final FrameHead head = frame.head();
        if (head != null && head.fits(frame.bodyLength()))
        {
            return head.encode(dst, offset, frame.seqId(), frame.bodyLength());
        }
        return encodeHead(frame, frame.bodyLength(), dst, offset);
    }

    /**
     * Write the head of {@code frame} as if its body had {@code bodyLength} bytes, field by field.
     *
     * @return bytes written.
     */
    static int encodeHead(final RpcFrame frame, final int bodyLength, final MutableDirectBuffer dst, final int offset)
    {
        final int messageLength = ThriftMessageCodec.headerLength(frame.method()) + bodyLength;
        int index = offset;
        switch (frame.format())
        {
            case FRAMED:
                index += FramedThriftCodec.encodeLength(dst, index, messageLength);
                break;
            case TTHEADER:
                frame.header().seqId(frame.seqId());
                index += TTHeaderCodec.encode(frame.header(), messageLength, dst, index);
                break;
            case TTHEADER_FRAMED:
                frame.header().seqId(frame.seqId());
                index += TTHeaderCodec.encode(
                    frame.header(), FramedThriftCodec.LENGTH_FIELD_LENGTH + messageLength, dst, index);
                index += FramedThriftCodec.encodeLength(dst, index, messageLength);
                break;
            default:
                throw new IllegalStateException("unhandled format " + frame.format());
        }
        index += ThriftMessageCodec.encode(dst, index, frame.messageType(), frame.method(), frame.seqId());
        return index - offset;
    }

    /**
     * The length of the frame that starts with these two words, from its length field, checked before any more of
     * it is read or buffered: the kind must be one that is served and the length within {@code maxFrameSize}.
     *
     * @param firstWord    bytes 0-3 of the frame, big-endian.
     * @param secondWord   bytes 4-7 of the frame, big-endian.
     * @param maxFrameSize largest acceptable frame, length field included.
     * @return the whole frame's length, length field included.
     * @throws MalformedFrameException naming what is wrong.
     */
    public static int frameLength(final int firstWord, final int secondWord, final int maxFrameSize)
    {
        final long lengthField = firstWord & 0xFFFF_FFFFL;
        final FrameKind kind = FrameKind.detect(firstWord, secondWord);
        switch (kind)
        {
            case TTHEADER:
                TTHeaderCodec.checkFrameLength(lengthField, maxFrameSize);
                break;
            case FRAMED_THRIFT:
                FramedThriftCodec.checkFrameLength(lengthField, maxFrameSize);
                break;
            case UNKNOWN:
                throw new MalformedFrameException(Reason.BAD_MAGIC, String.format(
                    "first bytes 0x%08x%08x are neither a TTHeader (magic 0x1000 at offset 4) nor Thrift binary " +
                    "(0x8001)", firstWord, secondWord));
            default:
                throw unsupported(kind);
        }
        return (int)(lengthField + FramedThriftCodec.LENGTH_FIELD_LENGTH);
    }

    /**
     * Decode the frame at {@code offset} into {@code out} (reset first); its body then points into {@code src}.
     *
     * @param available    bytes readable from {@code offset}; must cover the whole frame.
     * @param maxFrameSize largest acceptable frame.
     * @return the frame's length.
     * @throws MalformedFrameException naming what is wrong.
     */
    public static int decode(
        final DirectBuffer src, final int offset, final int available, final int maxFrameSize, final RpcFrame out)
    {
        out.reset();
        if (available < FrameKind.DETECTION_LENGTH)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_FRAME,
                "need " + FrameKind.DETECTION_LENGTH + " bytes to recognise a frame, got " + available);
        }
        final FrameKind kind = FrameKind.detect(src, offset);
        switch (kind)
        {
            case TTHEADER:
                return decodeTTHeader(src, offset, available, maxFrameSize, out);
            case FRAMED_THRIFT:
                return decodeFramed(src, offset, available, maxFrameSize, out);
            case UNKNOWN:
                throw new MalformedFrameException(Reason.BAD_MAGIC, "first bytes 0x" + hex(src, offset) +
                    " are neither a TTHeader (magic 0x1000 at offset 4) nor Thrift binary (0x8001)");
            default:
                throw unsupported(kind);
        }
    }

    /**
     * @return the exception for a recognised frame kind that this codec does not serve.
     */
    public static MalformedFrameException unsupported(final FrameKind kind)
    {
        final String why = kind == FrameKind.UNFRAMED_THRIFT ?
            "its end can only be found by parsing the struct; use framed Thrift or TTHeader" :
            "only TTHeader and framed Thrift binary are served";
        return new MalformedFrameException(Reason.UNSUPPORTED_FRAME_KIND, kind + " frames are not supported: " + why);
    }

    private static int decodeTTHeader(
        final DirectBuffer src, final int offset, final int available, final int maxFrameSize, final RpcFrame out)
    {
        final TTHeader header = out.header();
        final int headerLength = TTHeaderCodec.decode(src, offset, available, maxFrameSize, header);
        final int frameLength = (int)TTHeaderCodec.frameLength(src, offset);
        if (header.protocolId() != TTHeaderDescriptor.PROTOCOL_THRIFT_BINARY)
        {
            throw new MalformedFrameException(Reason.UNSUPPORTED_PROTOCOL,
                "TTHeader protocol id " + header.protocolId() + " is not Thrift binary (0)");
        }
        if (header.transformCount() != 0)
        {
            throw new MalformedFrameException(Reason.UNSUPPORTED_TRANSFORM,
                "TTHeader lists " + header.transformCount() + " transform(s) " +
                Arrays.toString(header.transformIds()) + "; none are supported");
        }

        int messageOffset = offset + headerLength;
        int messageLength = frameLength - headerLength;
        if (isFramedPayload(src, messageOffset, messageLength))
        {
            out.format(FrameFormat.TTHEADER_FRAMED);
            messageLength = FramedThriftCodec.enclosedMessageLength(src, messageOffset, messageLength);
            messageOffset += FramedThriftCodec.LENGTH_FIELD_LENGTH;
        }
        else
        {
            out.format(FrameFormat.TTHEADER);
        }
        decodeMessage(src, messageOffset, messageLength, out);
        out.decodedSeqIds(header.seqId(), out.messageSeqId());
        return frameLength;
    }

    private static int decodeFramed(
        final DirectBuffer src, final int offset, final int available, final int maxFrameSize, final RpcFrame out)
    {
        final int frameLength = FramedThriftCodec.frameLength(src, offset, maxFrameSize);
        if (frameLength > available)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_FRAME,
                "framed Thrift length promises " + frameLength + " bytes, only " + available + " present");
        }
        out.format(FrameFormat.FRAMED);
        decodeMessage(src, offset + FramedThriftCodec.LENGTH_FIELD_LENGTH,
            frameLength - FramedThriftCodec.LENGTH_FIELD_LENGTH, out);
        return frameLength;
    }

    private static void decodeMessage(
        final DirectBuffer src, final int messageOffset, final int messageLength, final RpcFrame out)
    {
        final int messageHeaderLength = ThriftMessageCodec.decode(src, messageOffset, messageLength, out);
        out.body(src, messageOffset + messageHeaderLength, messageLength - messageHeaderLength);
    }

    /**
     * Tell a framed from an unframed Thrift payload inside a TTHeader: framed when bytes 4-5 hold the strict Thrift
     * version and bytes 0-1 do not (an unframed message starts with the version itself).
     *
     * @param src    the buffer.
     * @param index  where the payload starts.
     * @param length the payload's length.
     * @return whether the payload carries a u32 frame length first.
     */
    public static boolean isFramedPayload(final DirectBuffer src, final int index, final int length)
    {
        if (length < FrameKind.DETECTION_LENGTH)
        {
            return false;
        }
        final int firstShort = src.getShort(index, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int secondShort = src.getShort(index + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        return firstShort != ThriftMessageCodec.VERSION_1 >>> 16 && secondShort == ThriftMessageCodec.VERSION_1 >>> 16;
    }

    private static String hex(final DirectBuffer src, final int offset)
    {
        final StringBuilder sb = new StringBuilder(2 * FrameKind.DETECTION_LENGTH);
        for (int i = 0; i < FrameKind.DETECTION_LENGTH; i++)
        {
            sb.append(String.format("%02x", src.getByte(offset + i) & 0xFF));
        }
        return sb.toString();
    }
}
