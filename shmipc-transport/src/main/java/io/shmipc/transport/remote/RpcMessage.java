package io.shmipc.transport.remote;

import io.shmipc.transport.CallInfo;
import io.shmipc.transport.codec.RpcFrame;

/**
 * A message travelling through a {@link TransPipeline}: the decoded or to-be-encoded {@link RpcFrame}, the path it
 * takes ({@link CallInfo}), and for a received message the frame memory its body points into, which
 * {@link #release()} gives back.
 */
public final class RpcMessage
{
    private final RpcFrame frame;
    private final CallInfo callInfo;
    private ReceivedFrame source;

    /**
     * @param frame    the frame.
     * @param callInfo the path the message takes.
     * @param source   the received frame the body points into, {@code null} for an outbound message.
     */
    public RpcMessage(final RpcFrame frame, final CallInfo callInfo, final ReceivedFrame source)
    {
        this.frame = frame;
        this.callInfo = callInfo;
        this.source = source;
    }

    /**
     * @return the frame: header fields, method, seq id and body; mutable by pipeline handlers.
     */
    public RpcFrame frame()
    {
        return frame;
    }

    /**
     * @return the path this message takes.
     */
    public CallInfo callInfo()
    {
        return callInfo;
    }

    /**
     * Release the received frame the body points into; idempotent, and a no-op for outbound messages. The body
     * must not be read afterwards.
     */
    public void release()
    {
        final ReceivedFrame source = this.source;
        if (source != null)
        {
            this.source = null;
            source.release();
        }
    }

    @Override
    public String toString()
    {
        return frame + " via " + callInfo;
    }
}
