package io.shmipc.transport;

/**
 * The server answered the call with a Thrift {@code TApplicationException} (its handler threw, it was shutting
 * down, or it did not know the method).
 */
public final class RemoteApplicationException extends RpcException
{
    private static final long serialVersionUID = 1L;

    private final int type;
    private final String remoteMessage;

    /**
     * @param type    the {@code TApplicationException} type code.
     * @param message the server's message.
     */
    public RemoteApplicationException(final int type, final String message)
    {
        this(type, message, message);
    }

    /**
     * @param type          the {@code TApplicationException} type code.
     * @param message       this exception's message: the server's, with what the call was.
     * @param remoteMessage the server's message alone, as it was on the wire.
     */
    public RemoteApplicationException(final int type, final String message, final String remoteMessage)
    {
        super(message);
        this.type = type;
        this.remoteMessage = remoteMessage;
    }

    /**
     * @return the server's own message, without what this client added (for a proxy that relays it).
     */
    public String remoteMessage()
    {
        return remoteMessage;
    }

    /**
     * @return the {@code TApplicationException} type code (6 internal error, 1 unknown method, ...).
     */
    public int type()
    {
        return type;
    }
}
