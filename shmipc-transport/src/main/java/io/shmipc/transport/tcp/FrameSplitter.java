package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.FramedThriftCodec;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.codec.TTHeaderCodec;

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
        final int firstWord = in.getInt(start);
        final long lengthField = firstWord & 0xFFFF_FFFFL;
        try
        {
            switch (FrameKind.detect(firstWord, in.getInt(start + 4)))
            {
                case TTHEADER:
                    TTHeaderCodec.checkFrameLength(lengthField, maxFrameSize);
                    break;
                case FRAMED_THRIFT:
                    FramedThriftCodec.checkFrameLength(lengthField, maxFrameSize);
                    break;
                case UNKNOWN:
                    throw new MalformedFrameException(MalformedFrameException.Reason.BAD_MAGIC,
                        String.format("first bytes 0x%08x%08x are neither a TTHeader (magic 0x1000 at offset 4) " +
                        "nor Thrift binary (0x8001)", firstWord, in.getInt(start + 4)));
                default:
                    throw RpcFrameCodec.unsupported(FrameKind.detect(firstWord, in.getInt(start + 4)));
            }
        }
        catch (final MalformedFrameException ex)
        {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw ex;
        }
        final long frameLength = lengthField + FramedThriftCodec.LENGTH_FIELD_LENGTH;
        if (in.readableBytes() >= frameLength)
        {
            out.add(in.readRetainedSlice((int)frameLength));
        }
    }
}
