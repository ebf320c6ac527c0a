package io.shmipc.transport.remote;

import org.agrona.MutableDirectBuffer;

/**
 * Encodes one frame into memory a {@link Connection} has reserved for it.
 */
@FunctionalInterface
public interface FrameWriter
{
    /**
     * @param dst    the reserved memory (a socket buffer, a shared-memory slice).
     * @param offset where the frame starts; exactly the reserved length must be written from here.
     */
    void write(MutableDirectBuffer dst, int offset);
}
