package io.shmipc.transport;

/**
 * A call or a transport operation failed. Subclasses say how; the message says what was being done and why it
 * failed.
 */
public class RpcException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and why.
     */
    public RpcException(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed and why.
     * @param cause   the underlying failure.
     */
    public RpcException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
