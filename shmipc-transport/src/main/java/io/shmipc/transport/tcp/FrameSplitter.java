package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrameCodec;

import java.util.List;

/**
 * Cuts the TCP byte stream into whole frames. The first eight bytes of each frame say its kind (TTHeader or framed
 * Thrift, both length-prefixed); the length is checked against the maximum frame size before any of the frame is
 * buffered, so an oversized frame costs nothing. The first malformed frame ends decoding for the connection: what
 * follows it cannot be trusted to be frame-aligned.
 * <p>
 * Copies: none beyond Netty's cumulation, which joins a frame that arrived in several reads.
 */
final class FrameSplitter extends ByteToMessageDecoder
{
    private final int maxFrameSize;
    private boolean failed;

    FrameSplitter(final int maxFrameSize)
    {
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (failed)
        {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < FrameKind.DETECTION_LENGTH)
        {
            return;
        }
        final int start = in.readerIndex();
        final int frameLength;
        try
        {
            frameLength = RpcFrameCodec.frameLength(in.getInt(start), in.getInt(start + 4), maxFrameSize);
        }
        catch (final MalformedFrameException ex)
        {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw ex;
        }
        if (in.readableBytes() >= frameLength)
        {
            out.add(in.readRetainedSlice(frameLength));
        }
    }
}
