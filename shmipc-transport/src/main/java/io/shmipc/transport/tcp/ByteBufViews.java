package io.shmipc.transport.tcp;

import io.netty.buffer.ByteBuf;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Points Agrona buffers at the memory of a Netty {@link ByteBuf} without copying: by native address for direct
 * buffers, by array for heap buffers, through the NIO view otherwise. Composite buffers made of several pieces
 * cannot be viewed as one range; callers then copy.
 */
final class ByteBufViews
{
    private ByteBufViews()
    {
    }

    /**
     * Point {@code view} at {@code length} bytes of {@code buf} from absolute {@code index}.
     *
     * @return {@code false} when the range is not contiguous memory and cannot be viewed.
     */
    static boolean wrap(final UnsafeBuffer view, final ByteBuf buf, final int index, final int length)
    {
        if (buf.hasMemoryAddress())
        {
            view.wrap(buf.memoryAddress() + index, length);
            return true;
        }
        if (buf.hasArray())
        {
            view.wrap(buf.array(), buf.arrayOffset() + index, length);
            return true;
        }
        if (buf.nioBufferCount() == 1)
        {
            final ByteBuffer nio = buf.nioBuffer(index, length);
            view.wrap(nio, nio.position(), length);
            return true;
        }
        return false;
    }
}
