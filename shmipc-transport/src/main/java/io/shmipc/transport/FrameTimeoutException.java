package io.shmipc.transport;

/**
 * A peer began a frame and did not complete it within the frame read timeout
 * ({@link ServerOptions#frameReadTimeout()}, {@link ClientOptions#frameReadTimeout()}): the connection is closed,
 * since the stalled frame would otherwise hold it and its receive buffer forever.
 */
public final class FrameTimeoutException extends RpcException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message how long the frame has been pending and how much of it arrived.
     */
    public FrameTimeoutException(final String message)
    {
        super(message);
    }
}
