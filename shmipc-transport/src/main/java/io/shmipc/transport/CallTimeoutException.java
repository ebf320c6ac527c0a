package io.shmipc.transport;

/**
 * A call's deadline passed before its reply arrived. The call may still have run on the server.
 */
public final class CallTimeoutException extends RpcException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which call, where, and after how long.
     */
    public CallTimeoutException(final String message)
    {
        super(message);
    }
}
