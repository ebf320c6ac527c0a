package io.shmipc.transport;

/**
 * The server answered the call with a Thrift {@code TApplicationException} (its handler threw, it was shutting
 * down, or it did not know the method).
 */
public final class RemoteApplicationException extends RpcException
{
    private static final long serialVersionUID = 1L;

    private final int type;

    /**
     * @param type    the {@code TApplicationException} type code.
     * @param message the server's message.
     */
    public RemoteApplicationException(final int type, final String message)
    {
        super(message);
        this.type = type;
    }

    /**
     * @return the {@code TApplicationException} type code (6 internal error, 1 unknown method, ...).
     */
    public int type()
    {
        return type;
    }
}
