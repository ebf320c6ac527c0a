package io.shmipc.transport.remote;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A {@link FrameWriter} that can also hand its frame over in two parts: a head it encodes in place, and a body the
 * transport copies from the caller's buffer itself. A transport whose memory comes in pieces (shared-memory slices)
 * uses this for a frame larger than its largest contiguous piece, still without an intermediate copy.
 */
public interface ScatterFrameWriter extends FrameWriter
{
    /**
     * @return bytes of the frame before the body.
     */
    int headLength();

    /**
     * Encode the head: exactly {@link #headLength()} bytes from {@code offset}.
     *
     * @param dst    the reserved memory.
     * @param offset where the frame starts.
     */
    void writeHead(MutableDirectBuffer dst, int offset);

    /**
     * @return the buffer holding the body, which follows the head unchanged.
     */
    DirectBuffer body();

    /**
     * @return where the body starts in {@link #body()}.
     */
    int bodyOffset();

    /**
     * @return the body's length; head and body add up to the frame length.
     */
    int bodyLength();
}
