package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.shmipc.transport.remote.ReceivedFrame;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A whole frame in a Netty buffer, viewed in place as a {@link DirectBuffer}. Holds one reference on the buffer
 * until {@link #release()}.
 */
final class TcpReceivedFrame implements ReceivedFrame
{
    private final ByteBuf buf;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final int length;
    private final AtomicBoolean released = new AtomicBoolean();

    /**
     * @param buf a buffer holding exactly one frame; ownership of one reference passes to this object.
     */
    TcpReceivedFrame(final ByteBuf buf)
    {
        this.length = buf.readableBytes();
        if (ByteBufViews.wrap(view, buf, buf.readerIndex(), length))
        {
            this.buf = buf;
        }
        else
        {
            // A composite buffer: the one copy on the receive path that cannot be avoided here.
            final byte[] copy = new byte[length];
            buf.getBytes(buf.readerIndex(), copy);
            buf.release();
            view.wrap(copy);
            this.buf = null;
        }
    }

    @Override
    public DirectBuffer buffer()
    {
        return view;
    }

    @Override
    public int offset()
    {
        return 0;
    }

    @Override
    public int length()
    {
        return length;
    }

    @Override
    public void release()
    {
        if (released.compareAndSet(false, true) && buf != null)
        {
            buf.release();
        }
    }
}
