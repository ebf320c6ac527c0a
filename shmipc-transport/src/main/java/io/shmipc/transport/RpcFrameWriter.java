package io.shmipc.transport;

import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.remote.ScatterFrameWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes one {@link RpcFrame} into transport memory, whole or (for transports that need it) as a head plus the
 * body taken straight from the frame's body buffer.
 */
final class RpcFrameWriter implements ScatterFrameWriter
{
    private final RpcFrame frame;
    private final int headLength;

    /**
     * @param frame       the frame.
     * @param frameLength its encoded length, {@link RpcFrameCodec#encodedLength}.
     */
    RpcFrameWriter(final RpcFrame frame, final int frameLength)
    {
        this.frame = frame;
        this.headLength = frameLength - frame.bodyLength();
    }

    @Override
    public void write(final MutableDirectBuffer dst, final int offset)
    {
        RpcFrameCodec.encode(frame, dst, offset);
    }

    @Override
    public int headLength()
    {
        return headLength;
    }

    @Override
    public void writeHead(final MutableDirectBuffer dst, final int offset)
    {
        RpcFrameCodec.encodeHead(frame, dst, offset);
    }

    @Override
    public DirectBuffer body()
    {
        return frame.body();
    }

    @Override
    public int bodyOffset()
    {
        return frame.bodyOffset();
    }

    @Override
    public int bodyLength()
    {
        return frame.bodyLength();
    }
}
