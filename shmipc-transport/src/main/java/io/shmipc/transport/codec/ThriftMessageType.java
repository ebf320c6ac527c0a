package io.shmipc.transport.codec;

/**
 * The message type carried in a strict Thrift binary message header.
 */
public enum ThriftMessageType
{
    /** A request that expects a reply. */
    CALL(1),
    /** A successful reply. */
    REPLY(2),
    /** A reply carrying a {@code TApplicationException}. */
    EXCEPTION(3),
    /** A request that expects no reply. */
    ONEWAY(4);

    private final int id;

    ThriftMessageType(final int id)
    {
        this.id = id;
    }

    /**
     * @return the value in the low byte of the version word.
     */
    public int id()
    {
        return id;
    }

    /**
     * @param id the low byte of a version word.
     * @return the type, or {@code null} when the id is not one of the four.
     */
    public static ThriftMessageType fromId(final int id)
    {
        switch (id)
        {
            case 1: return CALL;
            case 2: return REPLY;
            case 3: return EXCEPTION;
            case 4: return ONEWAY;
            default: return null;
        }
    }
}
