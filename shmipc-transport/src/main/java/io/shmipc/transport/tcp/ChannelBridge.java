package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.TransHandler;

import java.util.concurrent.CompletableFuture;

/**
 * The last handler of every TCP channel's Netty pipeline: turns Netty's events into {@link TransHandler} calls on
 * the channel's {@link TcpConnection}.
 */
final class ChannelBridge extends ChannelInboundHandlerAdapter
{
    private final TcpConnection connection;
    private final TransHandler handler;
    private final CompletableFuture<Connection> activated;

    /**
     * @param activated completed with the connection after {@link TransHandler#onActive} ran (a dial's result),
     *                  may be {@code null}.
     */
    ChannelBridge(
        final TcpConnection connection, final TransHandler handler, final CompletableFuture<Connection> activated)
    {
        this.connection = connection;
        this.handler = handler;
        this.activated = activated;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        handler.onActive(connection);
        if (activated != null)
        {
            activated.complete(connection);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        handler.onRead(connection, new TcpReceivedFrame((ByteBuf)msg));
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        handler.onInactive(connection);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        final Throwable unwrapped = cause instanceof DecoderException && cause.getCause() != null ?
            cause.getCause() : cause;
        handler.onError(connection, unwrapped);
    }
}
