package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;

/**
 * One RPC message as it sits in a frame: framing format, TTHeader fields, Thrift message header and the struct
 * body. The body is a window onto a buffer the frame does not own ({@link #body()}, {@link #bodyOffset()},
 * {@link #bodyLength()}): decoding points it into the received frame, encoding copies it from there into the
 * destination. Mutable and reusable, like a flyweight.
 */
public final class RpcFrame
{
    private FrameFormat format = FrameFormat.TTHEADER_FRAMED;
    private final TTHeader header = new TTHeader();
    private ThriftMessageType messageType = ThriftMessageType.CALL;
    private String method = "";
    private int seqId;
    private int messageSeqId;
    private DirectBuffer body;
    private int bodyOffset;
    private int bodyLength;
    /** The encoded head attached by {@link #head(FrameHead)}, valid while the header shows this many changes. */
    private FrameHead head;
    private int headHeaderChanges;

    /**
     * @return how the message is framed.
     */
    public FrameFormat format()
    {
        return format;
    }

    /**
     * @param format how the message is framed.
     * @return this.
     */
    public RpcFrame format(final FrameFormat format)
    {
        this.format = format;
        head = null;
        return this;
    }

    /**
     * @return the TTHeader fields; ignored when the format is {@link FrameFormat#FRAMED}.
     */
    public TTHeader header()
    {
        return header;
    }

    /**
     * @return the Thrift message type.
     */
    public ThriftMessageType messageType()
    {
        return messageType;
    }

    /**
     * @param messageType the Thrift message type.
     * @return this.
     */
    public RpcFrame messageType(final ThriftMessageType messageType)
    {
        this.messageType = messageType;
        head = null;
        return this;
    }

    /**
     * @return the method name from the Thrift message header.
     */
    public String method()
    {
        return method;
    }

    /**
     * @param method the method name.
     * @return this.
     */
    public RpcFrame method(final String method)
    {
        this.method = method;
        head = null;
        return this;
    }

    /**
     * @return the sequence id that correlates a reply with its call: the TTHeader's when there is one, else the
     * Thrift message's. Encoding writes it to both.
     */
    public int seqId()
    {
        return seqId;
    }

    /**
     * @param seqId the sequence id.
     * @return this.
     */
    public RpcFrame seqId(final int seqId)
    {
        this.seqId = seqId;
        this.messageSeqId = seqId;
        return this;
    }

    /**
     * @return the seq id inside the Thrift message header as decoded (equal to {@link #seqId()} unless the peer
     * wrote two different values).
     */
    public int messageSeqId()
    {
        return messageSeqId;
    }

    void decodedSeqIds(final int frameSeqId, final int messageSeqId)
    {
        this.seqId = frameSeqId;
        this.messageSeqId = messageSeqId;
    }

    /**
     * @return the buffer holding the struct body.
     */
    public DirectBuffer body()
    {
        return body;
    }

    /**
     * @return where the body starts in {@link #body()}.
     */
    public int bodyOffset()
    {
        return bodyOffset;
    }

    /**
     * @return the body's length in bytes.
     */
    public int bodyLength()
    {
        return bodyLength;
    }

    /**
     * @param buffer holds the body.
     * @param offset where it starts.
     * @param length its length.
     * @return this.
     */
    public RpcFrame body(final DirectBuffer buffer, final int offset, final int length)
    {
        this.body = buffer;
        this.bodyOffset = offset;
        this.bodyLength = length;
        return this;
    }

    /**
     * Return to the state of a new frame so the instance can be reused.
     *
     * @return this.
     */
    public RpcFrame reset()
    {
        format = FrameFormat.TTHEADER_FRAMED;
        header.reset();
        messageType = ThriftMessageType.CALL;
        method = "";
        seqId = 0;
        messageSeqId = 0;
        body = null;
        bodyOffset = 0;
        bodyLength = 0;
        head = null;
        return this;
    }

    /**
     * Encode this frame's head from {@code head}, made earlier from a frame with the same format, message type,
     * method and TTHeader fields, rather than field by field. Set the fields first: changing any of them afterwards
     * (a pipeline handler adding an info key, say) detaches the head again.
     *
     * @param head the head, or {@code null} to encode field by field.
     * @return this.
     */
    public RpcFrame head(final FrameHead head)
    {
        this.head = head;
        this.headHeaderChanges = header.changes();
        return this;
    }

    /**
     * @return the head attached with {@link #head(FrameHead)} if nothing it encodes has changed since, else
     * {@code null}.
     */
    public FrameHead head()
    {
        final FrameHead head = this.head;
        return head != null && header.changes() == headHeaderChanges ? head : null;
    }

    @Override
    public String toString()
    {
        return "RpcFrame{" + format + ", " + messageType + " '" + method + "' seq " + seqId +
            (format != FrameFormat.FRAMED ? ", " + header : "") + ", body " + bodyLength + " bytes}";
    }
}
