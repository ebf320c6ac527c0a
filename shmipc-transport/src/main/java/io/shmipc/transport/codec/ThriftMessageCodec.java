package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.shmipc.transport.codec.MalformedFrameException.Reason;

/**
 * The strict Thrift binary message header: i32 {@code 0x80010000 | type}, i32 name length, name bytes, i32 seq id.
 * The struct that follows is the caller's payload and is never parsed here.
 */
public final class ThriftMessageCodec
{
    /** The strict binary protocol's version word, without the type. */
    public static final int VERSION_1 = 0x8001_0000;
    private static final int VERSION_MASK = 0xFFFF_0000;
    private static final int TYPE_MASK = 0xFF;
    private static final int FIXED_LENGTH = 12;
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private ThriftMessageCodec()
    {
    }

    /**
     * @return bytes the message header for {@code name} takes.
     */
    public static int headerLength(final String name)
    {
        return FIXED_LENGTH + Utf8.encodedLength(name);
    }

    /**
     * Write a message header at {@code index}.
     *
     * @return bytes written.
     */
    public static int encode(
        final MutableDirectBuffer dst, final int index, final ThriftMessageType type, final String name,
        final int seqId)
    {
        dst.putInt(index, VERSION_1 | type.id(), ORDER);
        final int nameLength = Utf8.put(dst, index + 8, name);
        dst.putInt(index + 4, nameLength, ORDER);
        dst.putInt(index + 8 + nameLength, seqId, ORDER);
        return FIXED_LENGTH + nameLength;
    }

    /**
     * Read the message header at {@code index} into {@code out}'s type, method and seq id.
     *
     * @param length bytes of the message (header and struct) available from {@code index}.
     * @return bytes the header took; the struct starts there.
     * @throws MalformedFrameException with {@link Reason#BAD_THRIFT_MESSAGE}.
     */
    public static int decode(final DirectBuffer src, final int index, final int length, final RpcFrame out)
    {
        if (length < FIXED_LENGTH)
        {
            throw new MalformedFrameException(Reason.BAD_THRIFT_MESSAGE,
                "a Thrift message needs at least " + FIXED_LENGTH + " bytes, got " + length);
        }
        final int version = src.getInt(index, ORDER);
        if ((version & VERSION_MASK) != VERSION_1)
        {
            throw new MalformedFrameException(Reason.BAD_THRIFT_MESSAGE,
                "not a strict Thrift binary message: version word 0x" + Integer.toHexString(version));
        }
        final ThriftMessageType type = ThriftMessageType.fromId(version & TYPE_MASK);
        if (type == null)
        {
            throw new MalformedFrameException(Reason.BAD_THRIFT_MESSAGE,
                "unknown Thrift message type " + (version & TYPE_MASK));
        }
        final int nameLength = src.getInt(index + 4, ORDER);
        if (nameLength < 0 || nameLength > length - FIXED_LENGTH)
        {
            throw new MalformedFrameException(Reason.BAD_THRIFT_MESSAGE,
                "method name length " + nameLength + " does not fit a " + length + "-byte message");
        }
        out.messageType(type);
        out.method(Utf8.getName(src, index + 8, nameLength));
        out.seqId(src.getInt(index + 8 + nameLength, ORDER));
        return FIXED_LENGTH + nameLength;
    }
}
