package io.shmipc.transport.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransServer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Accepts TCP connections with Netty and feeds their frames to the server's {@link TransHandler}.
 */
public final class TcpTransServer implements TransServer
{
    private static final int ACCEPT_THREADS = 1;
    private static final long BIND_TIMEOUT_MILLIS = 10_000;
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 2_000;

    private final ServerOptions options;
    private final TransHandler handler;
    private final NettyTransport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final ChannelGroup connections = new DefaultChannelGroup("shmipc-tcp", GlobalEventExecutor.INSTANCE);
    private volatile Channel listener;
    private volatile SocketAddress boundAddress;
    private boolean closed;

    TcpTransServer(final ServerOptions options, final TransHandler handler)
    {
        this.options = options;
        this.handler = handler;
        this.transport = NettyTransport.select(options.nativeTransport());
        this.acceptGroup = transport.newEventLoopGroup(ACCEPT_THREADS, "shmipc-tcp-accept");
        this.ioGroup = transport.newEventLoopGroup(options.ioThreads(), "shmipc-tcp-server");
    }

    /**
     * @return the Netty flavour in use.
     */
    public NettyTransport transport()
    {
        return transport;
    }

    @Override
    public TransportKind kind()
    {
        return TransportKind.TCP;
    }

    @Override
    public synchronized SocketAddress start()
    {
        if (listener != null || closed)
        {
            throw new IllegalStateException("TCP transport server already started or closed");
        }
        final InetSocketAddress address = TcpAddresses.parse(options.tcpAddress());
        final int maxFrameSize = options.maxFrameSize();
        final long frameReadTimeoutNanos = options.frameReadTimeout().toNanos();
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(acceptGroup, ioGroup)
            .channel(transport.serverChannelClass())
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel ch)
                {
                    connections.add(ch);
                    final TcpConnection connection = new TcpConnection(ch,
                        TcpAddresses.format((InetSocketAddress)ch.remoteAddress()));
                    ch.pipeline().addLast(new FrameSplitter(maxFrameSize, frameReadTimeoutNanos),
                        new ChannelBridge(connection, handler, null));
                }
            });
        final ChannelFuture bind = bootstrap.bind(address);
        if (!bind.awaitUninterruptibly(BIND_TIMEOUT_MILLIS) || !bind.isSuccess())
        {
            close();
            throw new RpcException("binding TCP address " + options.tcpAddress() + " failed: " +
                (bind.cause() != null ? bind.cause() : "timed out"), bind.cause());
        }
        listener = bind.channel();
        boundAddress = listener.localAddress();
        return boundAddress;
    }

    @Override
    public SocketAddress boundAddress()
    {
        return boundAddress;
    }

    @Override
    public int connectionCount()
    {
        return connections.size();
    }

    @Override
    public void stopAccepting()
    {
        final Channel listener = this.listener;
        if (listener != null)
        {
            listener.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        }
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        stopAccepting();
        connections.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        acceptGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        ioGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT_MILLIS);
        ioGroup.terminationFuture().awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT_MILLIS);
    }

    @Override
    public String toString()
    {
        return "TcpTransServer(" + transport + ", " + (boundAddress != null ? boundAddress : options.tcpAddress()) +
            ")";
    }
}
