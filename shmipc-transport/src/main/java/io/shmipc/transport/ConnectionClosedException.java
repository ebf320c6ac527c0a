package io.shmipc.transport;

/**
 * The connection a call was waiting on closed before the reply arrived (peer gone, malformed traffic, shutdown).
 */
public final class ConnectionClosedException extends RpcException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which connection and which call.
     */
    public ConnectionClosedException(final String message)
    {
        super(message);
    }
}
