package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The body of a Thrift {@code EXCEPTION} reply: a {@code TApplicationException} struct with field 1 (string
 * message) and field 2 (i32 type), encoded in Thrift binary.
 */
public final class ApplicationExceptionCodec
{
    /** {@code TApplicationException.UNKNOWN}. */
    public static final int UNKNOWN = 0;
    /** {@code TApplicationException.UNKNOWN_METHOD}. */
    public static final int UNKNOWN_METHOD = 1;
    /** {@code TApplicationException.INTERNAL_ERROR}. */
    public static final int INTERNAL_ERROR = 6;
    /** {@code TApplicationException.PROTOCOL_ERROR}. */
    public static final int PROTOCOL_ERROR = 7;

    private static final byte TYPE_STOP = 0;
    private static final byte TYPE_I32 = 8;
    private static final byte TYPE_STRING = 11;
    private static final short FIELD_MESSAGE = 1;
    private static final short FIELD_TYPE = 2;
    private static final int FIELD_HEADER = 3;
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    /**
     * A decoded exception.
     *
     * @param type    the {@code TApplicationException} type.
     * @param message the message, empty when absent.
     */
    public record Decoded(int type, String message)
    {
    }

    private ApplicationExceptionCodec()
    {
    }

    /**
     * @return bytes {@link #encode} writes for {@code message}.
     */
    public static int encodedLength(final String message)
    {
        return FIELD_HEADER + 4 + Utf8.encodedLength(message) + FIELD_HEADER + 4 + 1;
    }

    /**
     * Write the struct at {@code index}.
     *
     * @return bytes written.
     */
    public static int encode(final MutableDirectBuffer dst, final int index, final int type, final String message)
    {
        int i = index;
        dst.putByte(i, TYPE_STRING);
        dst.putShort(i + 1, FIELD_MESSAGE, ORDER);
        final int length = Utf8.put(dst, i + FIELD_HEADER + 4, message);
        dst.putInt(i + FIELD_HEADER, length, ORDER);
        i += FIELD_HEADER + 4 + length;
        dst.putByte(i, TYPE_I32);
        dst.putShort(i + 1, FIELD_TYPE, ORDER);
        dst.putInt(i + FIELD_HEADER, type, ORDER);
        i += FIELD_HEADER + 4;
        dst.putByte(i, TYPE_STOP);
        return i + 1 - index;
    }

    /**
     * Read the struct, keeping fields 1 and 2 and stopping at the first field it cannot skip.
     *
     * @return the exception's type and message; a body that cannot be parsed yields {@link #UNKNOWN} and a note.
     */
    public static Decoded decode(final DirectBuffer src, final int index, final int length)
    {
        int type = UNKNOWN;
        String message = "";
        int i = index;
        final int end = index + length;
        while (i < end)
        {
            final byte fieldType = src.getByte(i);
            if (fieldType == TYPE_STOP || i + FIELD_HEADER > end)
            {
                break;
            }
            final short fieldId = src.getShort(i + 1, ORDER);
            i += FIELD_HEADER;
            if (fieldType == TYPE_STRING && i + 4 <= end)
            {
                final int stringLength = src.getInt(i, ORDER);
                if (stringLength < 0 || stringLength > end - i - 4)
                {
                    return new Decoded(UNKNOWN, "unparseable TApplicationException body");
                }
                if (fieldId == FIELD_MESSAGE)
                {
                    message = Utf8.get(src, i + 4, stringLength);
                }
                i += 4 + stringLength;
            }
            else if (fieldType == TYPE_I32 && i + 4 <= end)
            {
                if (fieldId == FIELD_TYPE)
                {
                    type = src.getInt(i, ORDER);
                }
                i += 4;
            }
            else
            {
                break;
            }
        }
        return new Decoded(type, message);
    }
}
