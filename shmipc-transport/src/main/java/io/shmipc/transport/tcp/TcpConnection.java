package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.shmipc.transport.CallInfo;
import io.shmipc.transport.ConnectionClosedException;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.codec.RepeatedHeadDecoder;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.FrameWriter;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * A TCP connection: a Netty channel seen as a {@link Connection}. Frames are encoded straight into a pooled
 * (normally direct) Netty buffer of the exact frame size, which the kernel then copies into the socket.
 */
final class TcpConnection implements Connection
{
    /** Reused per thread: writers run on many threads at once, each needs its own view while it encodes. */
    private static final ThreadLocal<UnsafeBuffer> WRITE_VIEW = ThreadLocal.withInitial(() -> new UnsafeBuffer(0, 0));

    private final Channel channel;
    private final String remoteAddress;
    private final CallInfo callInfo;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final RepeatedHeadDecoder decoder = new RepeatedHeadDecoder();

    TcpConnection(final Channel channel, final String remoteAddress)
    {
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.callInfo = new CallInfo(TransportKind.TCP, remoteAddress, null);
        channel.closeFuture().addListener(f -> closeFuture.complete(null));
    }

    @Override
    public TransportKind kind()
    {
        return TransportKind.TCP;
    }

    @Override
    public String remoteAddress()
    {
        return remoteAddress;
    }

    @Override
    public CallInfo callInfo()
    {
        return callInfo;
    }

    @Override
    public RepeatedHeadDecoder frameDecoder()
    {
        return decoder;
    }

    @Override
    public boolean isActive()
    {
        return channel.isActive();
    }

    @Override
    public CompletableFuture<Void> writeFrame(final int frameLength, final FrameWriter writer)
    {
        if (!channel.isActive())
        {
            return CompletableFuture.failedFuture(
                new ConnectionClosedException("TCP connection to " + remoteAddress + " is closed"));
        }
        final ByteBuf buf = channel.alloc().ioBuffer(frameLength, frameLength);
        try
        {
            final int writerIndex = buf.writerIndex();
            final UnsafeBuffer view = WRITE_VIEW.get();
            if (ByteBufViews.wrap(view, buf, writerIndex, frameLength))
            {
                writer.write(view, 0);
                view.wrap(0, 0);
            }
            else
            {
                // Not reachable with Netty's allocators (ioBuffer is one contiguous range); kept correct anyway.
                final UnsafeBuffer heap = new UnsafeBuffer(new byte[frameLength]);
                writer.write(heap, 0);
                buf.setBytes(writerIndex, heap.byteArray());
            }
            buf.writerIndex(writerIndex + frameLength);
        }
        catch (final RuntimeException ex)
        {
            buf.release();
            return CompletableFuture.failedFuture(ex);
        }

        final CompletableFuture<Void> written = new CompletableFuture<>();
        channel.writeAndFlush(buf).addListener(f ->
        {
            if (f.isSuccess())
            {
                written.complete(null);
            }
            else
            {
                final ConnectionClosedException ex = new ConnectionClosedException(
                    "writing a frame to " + remoteAddress + " failed: " + f.cause());
                ex.initCause(f.cause());
                written.completeExceptionally(ex);
            }
        });
        return written;
    }

    @Override
    public CompletableFuture<Void> closeFuture()
    {
        return closeFuture;
    }

    @Override
    public void close()
    {
        channel.close();
    }

    @Override
    public String toString()
    {
        return "tcp://" + remoteAddress + (channel.isActive() ? "" : " (closed)");
    }
}
