package io.shmipc.transport.shm;

import io.shmipc.core.ReceivedBytes;
import io.shmipc.transport.remote.ReceivedFrame;
import org.agrona.DirectBuffer;

/**
 * A whole frame taken off a shared-memory stream: a view of the slice it arrived in, or a heap copy when it spanned
 * slices. Releasing it gives the slice back to the peer's pool (once no other frame still views it).
 */
final class ShmReceivedFrame implements ReceivedFrame
{
    private final ReceivedBytes bytes;

    ShmReceivedFrame(final ReceivedBytes bytes)
    {
        this.bytes = bytes;
    }

    @Override
    public DirectBuffer buffer()
    {
        return bytes.buffer();
    }

    @Override
    public int offset()
    {
        return 0;
    }

    @Override
    public int length()
    {
        return bytes.length();
    }

    @Override
    public void release()
    {
        bytes.release();
    }
}
