package io.shmipc.transport.tcp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty I/O flavour the TCP transport runs on: epoll where the native library loads, NIO otherwise.
 */
public enum NettyTransport
{
    /** Linux epoll through Netty's native transport. */
    EPOLL,
    /** The JDK's NIO selector; works everywhere. */
    NIO;

    /**
     * @param preferNative whether epoll should be used when it is available.
     * @return {@link #EPOLL} when preferred and available, else {@link #NIO}.
     */
    public static NettyTransport select(final boolean preferNative)
    {
        return preferNative && Epoll.isAvailable() ? EPOLL : NIO;
    }

    /**
     * @param threads    I/O threads.
     * @param namePrefix thread name prefix.
     * @return a new event loop group of daemon threads; the caller shuts it down.
     */
    public EventLoopGroup newEventLoopGroup(final int threads, final String namePrefix)
    {
        final IoHandlerFactory ioHandlerFactory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(namePrefix, true), ioHandlerFactory);
    }

    /**
     * @return the listening channel class.
     */
    public Class<? extends ServerChannel> serverChannelClass()
    {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * @return the connecting channel class.
     */
    public Class<? extends Channel> channelClass()
    {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
