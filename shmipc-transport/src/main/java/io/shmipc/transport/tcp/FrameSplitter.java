package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.shmipc.transport.FrameTimeoutException;
import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrameCodec;

import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cuts the TCP byte stream into whole frames. The first eight bytes of each frame say its kind (TTHeader or framed
 * Thrift, both length-prefixed); the length is checked against the maximum frame size before any of the frame is
 * buffered, so an oversized frame costs nothing. The first malformed frame ends decoding for the connection: what
 * follows it cannot be trusted to be frame-aligned.
 * <p>
 * A frame that has begun must complete within the frame read timeout, or the connection fails with a
 * {@link FrameTimeoutException}: a peer stalled mid-frame would otherwise hold the connection and the partial frame
 * forever. One check is scheduled while a partial frame is pending, none while the connection is idle or every read
 * ends on a frame boundary.
 * <p>
 * Copies: none beyond Netty's cumulation, which joins a frame that arrived in several reads.
 */
final class FrameSplitter extends ByteToMessageDecoder
{
    private static final long NO_PARTIAL_FRAME = Long.MIN_VALUE;

    private final int maxFrameSize;
    private final long frameReadTimeoutNanos;
    private boolean failed;
    /** Frames cut so far: tells a partial frame from the next one that begins in the same read. */
    private long framesCut;
    private long partialFrameNumber;
    /** {@link System#nanoTime()} when the pending partial frame began, or {@link #NO_PARTIAL_FRAME}. */
    private long partialSinceNanos = NO_PARTIAL_FRAME;
    private ScheduledFuture<?> stallCheck;

    /**
     * @param frameReadTimeoutNanos how long a frame may take once its first bytes arrived.
     */
    FrameSplitter(final int maxFrameSize, final long frameReadTimeoutNanos)
    {
        this.maxFrameSize = maxFrameSize;
        this.frameReadTimeoutNanos = frameReadTimeoutNanos;
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
            framesCut++;
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception
    {
        super.channelRead(ctx, msg);
        if (failed || actualReadableBytes() == 0)
        {
            partialSinceNanos = NO_PARTIAL_FRAME;
        }
        else if (partialSinceNanos == NO_PARTIAL_FRAME || partialFrameNumber != framesCut)
        {
            partialSinceNanos = System.nanoTime();
            partialFrameNumber = framesCut;
            if (stallCheck == null)
            {
                stallCheck = ctx.executor().schedule(() -> checkStall(ctx), frameReadTimeoutNanos,
                    TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * On the channel's event loop: fail the connection if the pending frame is overdue, otherwise check again when
     * the frame pending now would be.
     */
    private void checkStall(final ChannelHandlerContext ctx)
    {
        stallCheck = null;
        if (partialSinceNanos == NO_PARTIAL_FRAME || failed || !ctx.channel().isActive())
        {
            return;
        }
        final long pendingNanos = System.nanoTime() - partialSinceNanos;
        if (pendingNanos < frameReadTimeoutNanos)
        {
            stallCheck = ctx.executor().schedule(() -> checkStall(ctx), frameReadTimeoutNanos - pendingNanos,
                TimeUnit.NANOSECONDS);
            return;
        }
        final int received = actualReadableBytes();
        failed = true;
        partialSinceNanos = NO_PARTIAL_FRAME;
        ctx.fireExceptionCaught(new FrameTimeoutException("a frame from " + ctx.channel().remoteAddress() +
            " began " + TimeUnit.NANOSECONDS.toMillis(pendingNanos) + " ms ago and is still incomplete (" +
            received + " bytes arrived); the frame read timeout is " +
            TimeUnit.NANOSECONDS.toMillis(frameReadTimeoutNanos) + " ms"));
    }

    @Override
    protected void handlerRemoved0(final ChannelHandlerContext ctx)
    {
        final ScheduledFuture<?> check = stallCheck;
        if (check != null)
        {
            check.cancel(false);
            stallCheck = null;
        }
    }
}
