package io.shmipc.transport.codec;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A frame's head (every byte before the body) encoded once, for frames that differ only in seq id and body: a client
 * sending the same request again, a server answering the same method. Encoding from it is one copy and four patched
 * words: the length fields grow by the body's length and both seq ids are written. Immutable, so it is shared by any
 * number of threads and frames.
 * <p>
 * A head is valid for a frame only while the frame keeps the format, message type, method and TTHeader fields it was
 * made from: {@link RpcFrame#head(FrameHead)} attaches one, and any change to those fields detaches it.
 */
public final class FrameHead
{
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;
    private static final int NONE = -1;
    private static final int SEQ_ID_LENGTH = 4;

    private final FrameFormat format;
    private final ThriftMessageType messageType;
    private final String method;
    private final int flags;
    private final byte[] bytes;
    private final int outerLengthBase;
    private final int innerLengthOffset;
    private final int innerLengthBase;
    private final int headerSeqIdOffset;
    private final int messageSeqIdOffset;
    /** The largest body the length fields can describe (the TTHeader length field holds at most 30 bits). */
    private final int maxBodyLength;

    private FrameHead(final RpcFrame frame, final byte[] bytes, final int headerLength)
    {
        this.format = frame.format();
        this.messageType = frame.messageType();
        this.method = frame.method();
        this.flags = frame.header().flags();
        this.bytes = bytes;
        final UnsafeBuffer view = new UnsafeBuffer(bytes);
        // Both formats begin with their length field.
        this.outerLengthBase = view.getInt(TTHeaderDescriptor.LENGTH_OFFSET, ORDER);
        this.innerLengthOffset = format == FrameFormat.TTHEADER_FRAMED ? headerLength : NONE;
        this.innerLengthBase = innerLengthOffset != NONE ? view.getInt(innerLengthOffset, ORDER) : 0;
        this.headerSeqIdOffset = format != FrameFormat.FRAMED ? TTHeaderDescriptor.SEQ_ID_OFFSET : NONE;
        this.messageSeqIdOffset = bytes.length - SEQ_ID_LENGTH;
        this.maxBodyLength = format != FrameFormat.FRAMED ? TTHeaderDescriptor.MAX_LENGTH - outerLengthBase :
            Integer.MAX_VALUE - outerLengthBase;
    }

    /**
     * Encode the head of {@code frame} as it is now.
     *
     * @param frame the frame; its seq id and body do not matter.
     * @return the head.
     * @throws IllegalArgumentException when the head does not fit the format's limits.
     */
    public static FrameHead of(final RpcFrame frame)
    {
        final byte[] bytes = new byte[RpcFrameCodec.encodedLength(frame) - frame.bodyLength()];
        RpcFrameCodec.encodeHead(frame, 0, new UnsafeBuffer(bytes), 0);
        final int headerLength = frame.format() != FrameFormat.FRAMED ? TTHeaderCodec.headerLength(frame.header()) : 0;
        return new FrameHead(frame, bytes, headerLength);
    }

    /**
     * @return the head's length in bytes.
     */
    public int length()
    {
        return bytes.length;
    }

    /**
     * @return whether a body of {@code bodyLength} bytes fits the format's length fields behind this head.
     */
    public boolean fits(final int bodyLength)
    {
        return bodyLength <= maxBodyLength;
    }

    /**
     * @return whether this head was made from a frame with these fields.
     */
    public boolean matches(final FrameFormat format, final ThriftMessageType messageType, final String method,
        final int flags)
    {
        return this.format == format && this.messageType == messageType && this.flags == flags &&
            this.method.equals(method);
    }

    /**
     * @return the format the head was made for.
     */
    public FrameFormat format()
    {
        return format;
    }

    /**
     * @return the message type the head was made for.
     */
    public ThriftMessageType messageType()
    {
        return messageType;
    }

    /**
     * Write the head for a frame with {@code seqId} and a body of {@code bodyLength} bytes, which the caller writes
     * at {@code offset + length()}.
     *
     * @return the head's length.
     */
    public int encode(final MutableDirectBuffer dst, final int offset, final int seqId, final int bodyLength)
    {
        dst.putBytes(offset, bytes);
        dst.putInt(offset + TTHeaderDescriptor.LENGTH_OFFSET, outerLengthBase + bodyLength, ORDER);
        if (innerLengthOffset != NONE)
        {
            dst.putInt(offset + innerLengthOffset, innerLengthBase + bodyLength, ORDER);
        }
        if (headerSeqIdOffset != NONE)
        {
            dst.putInt(offset + headerSeqIdOffset, seqId, ORDER);
        }
        dst.putInt(offset + messageSeqIdOffset, seqId, ORDER);
        return bytes.length;
    }
}
