package io.shmipc.transport.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.ConnectFailedException;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.Dialer;
import io.shmipc.transport.remote.TransHandler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens TCP connections with Netty (epoll where available, NIO otherwise). Owns its I/O threads.
 */
public final class TcpDialer implements Dialer
{
    private static final long SHUTDOWN_QUIET_MILLIS = 0;
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 2_000;

    private final NettyTransport transport;
    private final EventLoopGroup group;
    private final int maxFrameSize;
    private final long frameReadTimeoutNanos;

    /**
     * A dialer whose connections allow {@link ClientOptions#DEFAULT_FRAME_READ_TIMEOUT} for a frame to complete.
     *
     * @param ioThreads       I/O threads for all connections this dialer opens.
     * @param nativeTransport use epoll where available.
     * @param maxFrameSize    largest frame accepted from servers.
     */
    public TcpDialer(final int ioThreads, final boolean nativeTransport, final int maxFrameSize)
    {
        this(ioThreads, nativeTransport, maxFrameSize, ClientOptions.DEFAULT_FRAME_READ_TIMEOUT);
    }

    /**
     * @param ioThreads        I/O threads for all connections this dialer opens.
     * @param nativeTransport  use epoll where available.
     * @param maxFrameSize     largest frame accepted from servers.
     * @param frameReadTimeout how long a frame may take once it has begun; a server stalled mid-frame longer has its
     *                         connection closed.
     */
    public TcpDialer(final int ioThreads, final boolean nativeTransport, final int maxFrameSize,
        final Duration frameReadTimeout)
    {
        this.transport = NettyTransport.select(nativeTransport);
        this.group = transport.newEventLoopGroup(ioThreads, "shmipc-tcp-client");
        this.maxFrameSize = maxFrameSize;
        this.frameReadTimeoutNanos = frameReadTimeout.toNanos();
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
    public CompletableFuture<Connection> dial(
        final String address, final Duration timeout, final TransHandler handler)
    {
        final InetSocketAddress socketAddress;
        try
        {
            socketAddress = TcpAddresses.parse(address);
        }
        catch (final IllegalArgumentException ex)
        {
            return CompletableFuture.failedFuture(new ConnectFailedException("cannot dial " + address + ": " +
                ex.getMessage(), ex));
        }
        if (socketAddress.isUnresolved())
        {
            return CompletableFuture.failedFuture(new ConnectFailedException(
                "cannot dial " + address + ": host does not resolve", null));
        }

        final CompletableFuture<Connection> activated = new CompletableFuture<>();
        final Bootstrap bootstrap = new Bootstrap()
            .group(group)
            .channel(transport.channelClass())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)Math.min(Integer.MAX_VALUE, timeout.toMillis()))
            .handler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel ch)
                {
                    final TcpConnection connection = new TcpConnection(ch, address);
                    ch.pipeline().addLast(new FrameSplitter(maxFrameSize, frameReadTimeoutNanos),
                        new ChannelBridge(connection, handler, activated));
                }
            });

        final ChannelFuture connect;
        try
        {
            connect = bootstrap.connect(socketAddress);
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.failedFuture(new ConnectFailedException(
                "connecting to tcp://" + address + " failed: " + ex, ex));
        }
        connect.addListener(f ->
        {
            if (!f.isSuccess())
            {
                activated.completeExceptionally(new ConnectFailedException(
                    "connecting to tcp://" + address + " failed: " + f.cause(), f.cause()));
            }
        });
        return activated;
    }

    @Override
    public void close()
    {
        group.shutdownGracefully(SHUTDOWN_QUIET_MILLIS, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
            .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + SHUTDOWN_TIMEOUT_MILLIS);
    }

    @Override
    public String toString()
    {
        return "TcpDialer(" + transport + ")";
    }
}
