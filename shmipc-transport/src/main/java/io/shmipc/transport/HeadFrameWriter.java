package io.shmipc.transport;

import io.shmipc.transport.codec.FrameHead;
import io.shmipc.transport.remote.ScatterFrameWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes a frame from an encoded {@link FrameHead}, a seq id and a body, with no {@link io.shmipc.transport.codec.RpcFrame}
 * built for it: what a client or server writes when no outbound handler would see the frame.
 */
final class HeadFrameWriter implements ScatterFrameWriter
{
    private final FrameHead head;
    private final int seqId;
    private final DirectBuffer body;
    private final int bodyOffset;
    private final int bodyLength;

    /**
     * @param head a head that {@link FrameHead#fits} a body of {@code bodyLength} bytes.
     */
    HeadFrameWriter(final FrameHead head, final int seqId, final DirectBuffer body, final int bodyOffset,
        final int bodyLength)
    {
        this.head = head;
        this.seqId = seqId;
        this.body = body;
        this.bodyOffset = bodyOffset;
        this.bodyLength = bodyLength;
    }

    /**
     * @return the frame's length.
     */
    int frameLength()
    {
        return head.length() + bodyLength;
    }

    @Override
    public void write(final MutableDirectBuffer dst, final int offset)
    {
        writeHead(dst, offset);
        if (bodyLength > 0)
        {
            dst.putBytes(offset + head.length(), body, bodyOffset, bodyLength);
        }
    }

    @Override
    public int headLength()
    {
        return head.length();
    }

    @Override
    public void writeHead(final MutableDirectBuffer dst, final int offset)
    {
        head.encode(dst, offset, seqId, bodyLength);
    }

    @Override
    public DirectBuffer body()
    {
        return body;
    }

    @Override
    public int bodyOffset()
    {
        return bodyOffset;
    }

    @Override
    public int bodyLength()
    {
        return bodyLength;
    }
}
