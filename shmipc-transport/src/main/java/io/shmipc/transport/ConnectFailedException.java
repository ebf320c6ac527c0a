package io.shmipc.transport;

/**
 * No connection could be made to the address a call needed (refused, unreachable, or the connect deadline passed).
 */
public final class ConnectFailedException extends RpcException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the address and why connecting failed.
     * @param cause   the underlying failure, may be {@code null}.
     */
    public ConnectFailedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
