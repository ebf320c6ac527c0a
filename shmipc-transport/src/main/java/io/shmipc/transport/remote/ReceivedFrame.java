package io.shmipc.transport.remote;

import org.agrona.DirectBuffer;

/**
 * One whole frame as a transport received it, still in the transport's memory (a Netty buffer, a shared-memory
 * slice). Whoever holds it releases it exactly once; a decoded {@link RpcMessage} takes over that duty.
 */
public interface ReceivedFrame
{
    /**
     * @return the memory holding the frame.
     */
    DirectBuffer buffer();

    /**
     * @return where the frame starts in {@link #buffer()}.
     */
    int offset();

    /**
     * @return the frame's length.
     */
    int length();

    /**
     * Give the memory back to the transport; idempotent. The buffer must not be read afterwards.
     */
    void release();
}
