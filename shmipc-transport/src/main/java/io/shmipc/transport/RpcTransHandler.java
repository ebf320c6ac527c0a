package io.shmipc.transport;

import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RepeatedHeadDecoder;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.ReceivedFrame;
import io.shmipc.transport.remote.RpcMessage;
import io.shmipc.transport.remote.TransHandler;

import java.util.concurrent.CompletableFuture;

/**
 * The protocol half shared by the client and server handlers: frames in and out with {@link RpcFrameCodec}, over
 * whatever memory the connection's transport provides.
 */
abstract class RpcTransHandler implements TransHandler
{
    private final int maxFrameSize;

    RpcTransHandler(final int maxFrameSize)
    {
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    public CompletableFuture<Void> write(final Connection connection, final RpcMessage message)
    {
        final RpcFrame frame = message.frame();
        final int frameLength;
        try
        {
            frameLength = RpcFrameCodec.encodedLength(frame);
        }
        catch (final IllegalArgumentException ex)
        {
            return CompletableFuture.failedFuture(new RpcException("cannot encode " + frame + ": " +
                ex.getMessage(), ex));
        }
        return connection.writeFrame(frameLength, new RpcFrameWriter(frame, frameLength));
    }

    @Override
    public RpcMessage read(final Connection connection, final ReceivedFrame received)
    {
        try
        {
            final RpcFrame frame = new RpcFrame();
            final RepeatedHeadDecoder decoder = connection.frameDecoder();
            final int frameLength = decoder != null ?
                decoder.decode(received.buffer(), received.offset(), received.length(), maxFrameSize, frame) :
                RpcFrameCodec.decode(received.buffer(), received.offset(), received.length(), maxFrameSize, frame);
            if (frameLength != received.length())
            {
                throw new MalformedFrameException(MalformedFrameException.Reason.FRAME_LENGTH_MISMATCH,
                    "frame says " + frameLength + " bytes but the transport delivered " + received.length());
            }
            return new RpcMessage(frame, connection.callInfo(), received);
        }
        catch (final RuntimeException ex)
        {
            received.release();
            throw ex;
        }
    }
}
