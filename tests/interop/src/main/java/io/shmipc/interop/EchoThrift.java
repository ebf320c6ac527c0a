package io.shmipc.interop;

import org.agrona.DirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The argument and result structs of the Echo service of the Kitex scenarios ({@code tests/interop/kitex/echo.thrift}),
 * in Thrift binary: what an {@link io.shmipc.transport.RpcClient} sends as a request payload and an
 * {@link io.shmipc.transport.RpcHandler} returns. Written by hand (four small structs) so the suite needs neither the
 * Thrift compiler nor libthrift; decoding skips unknown fields as generated code does, and rejects malformed input
 * with an {@link IllegalArgumentException} that says where.
 */
public final class EchoThrift {
    /** The service name ({@code isn} string key of a TTHeader). */
    public static final String SERVICE = "Echo";
    /** {@code binary echo(1: binary data, 2: i32 crc32)}. */
    public static final String METHOD_ECHO = "echo";
    /** {@code string fail(1: string reason) throws (1: EchoError error)}: always answers with an application exception. */
    public static final String METHOD_FAIL = "fail";
    /** {@code string bizfail(1: string reason)}: answers with a Kitex business status error. */
    public static final String METHOD_BIZ_FAIL = "bizfail";
    /** The code bizfail answers with. */
    public static final int BIZ_STATUS_CODE = 1001;
    /** TTHeader string key of a Kitex business status error's code. */
    public static final String BIZ_STATUS_KEY = "biz-status";
    /** TTHeader string key of a Kitex business status error's message. */
    public static final String BIZ_MESSAGE_KEY = "biz-message";

    private static final byte T_STOP = 0;
    private static final byte T_BOOL = 2;
    private static final byte T_BYTE = 3;
    private static final byte T_DOUBLE = 4;
    private static final byte T_I16 = 6;
    private static final byte T_I32 = 8;
    private static final byte T_I64 = 10;
    private static final byte T_STRING = 11;
    private static final byte T_STRUCT = 12;
    private static final byte T_MAP = 13;
    private static final byte T_SET = 14;
    private static final byte T_LIST = 15;
    private static final short FIELD_SUCCESS = 0;
    private static final short FIELD_DATA = 1;
    private static final short FIELD_CRC = 2;
    private static final short FIELD_REASON = 1;
    private static final int FIELD_HEADER = 3;
    private static final int LENGTH = 4;
    private static final int MAX_DEPTH = 64;

    /**
     * Echo's arguments as received.
     *
     * @param data   field 1.
     * @param crc    field 2 (crc32), when present.
     * @param hasCrc whether field 2 was present.
     */
    public record EchoArgs(byte[] data, int crc, boolean hasCrc) {
        /** @return whether field 2 is the CRC-32 of field 1. */
        public boolean crcMatches() {
            return hasCrc && crc == EchoThrift.crc32(data);
        }
    }

    private EchoThrift() {
    }

    /** @return {@code {1: data, 2: CRC-32 of data}}. */
    public static byte[] echoArgs(final byte[] data) {
        final ByteBuffer out = ByteBuffer.allocate(FIELD_HEADER + LENGTH + data.length + FIELD_HEADER + 4 + 1);
        out.put(T_STRING).putShort(FIELD_DATA).putInt(data.length).put(data);
        out.put(T_I32).putShort(FIELD_CRC).putInt(crc32(data));
        out.put(T_STOP);
        return out.array();
    }

    /** @return {@code {0: data}}, echo's result. */
    public static byte[] echoResult(final byte[] data) {
        final ByteBuffer out = ByteBuffer.allocate(FIELD_HEADER + LENGTH + data.length + 1);
        out.put(T_STRING).putShort(FIELD_SUCCESS).putInt(data.length).put(data);
        out.put(T_STOP);
        return out.array();
    }

    /** @return an empty struct: the result of a call answered with a business status error. */
    public static byte[] emptyResult() {
        return new byte[] {T_STOP};
    }

    /** @return {@code {1: reason}}, the arguments of fail and bizfail. */
    public static byte[] failArgs(final String reason) {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer out = ByteBuffer.allocate(FIELD_HEADER + LENGTH + text.length + 1);
        out.put(T_STRING).putShort(FIELD_REASON).putInt(text.length).put(text);
        out.put(T_STOP);
        return out.array();
    }

    /** @return echo's arguments; field 1 must be present. */
    public static EchoArgs decodeEchoArgs(final DirectBuffer struct) {
        final Reader in = new Reader(struct);
        byte[] data = null;
        int crc = 0;
        boolean hasCrc = false;
        for (byte type = in.fieldType(); type != T_STOP; type = in.fieldType()) {
            final short id = in.i16();
            if (id == FIELD_DATA && type == T_STRING) {
                data = in.bytes();
            } else if (id == FIELD_CRC && type == T_I32) {
                crc = in.i32();
                hasCrc = true;
            } else {
                in.skip(type, 0);
            }
        }
        in.expectEnd();
        if (data == null) {
            throw new IllegalArgumentException("echo arguments have no field 1 (data)");
        }
        return new EchoArgs(data, crc, hasCrc);
    }

    /** @return the data of echo's result; field 0 must be present. */
    public static byte[] decodeEchoResult(final DirectBuffer struct) {
        final Reader in = new Reader(struct);
        byte[] data = null;
        for (byte type = in.fieldType(); type != T_STOP; type = in.fieldType()) {
            final short id = in.i16();
            if (id == FIELD_SUCCESS && type == T_STRING) {
                data = in.bytes();
            } else {
                in.skip(type, 0);
            }
        }
        in.expectEnd();
        if (data == null) {
            throw new IllegalArgumentException("echo result has no field 0 (success)");
        }
        return data;
    }

    /** @return the reason in the arguments of fail or bizfail, empty when absent. */
    public static String decodeFailArgs(final DirectBuffer struct) {
        final Reader in = new Reader(struct);
        String reason = "";
        for (byte type = in.fieldType(); type != T_STOP; type = in.fieldType()) {
            final short id = in.i16();
            if (id == FIELD_REASON && type == T_STRING) {
                reason = new String(in.bytes(), StandardCharsets.UTF_8);
            } else {
                in.skip(type, 0);
            }
        }
        in.expectEnd();
        return reason;
    }

    /** @return the CRC-32 (IEEE) of {@code data}, as Thrift's i32. */
    public static int crc32(final byte[] data) {
        final CRC32 crc = new CRC32();
        crc.update(data);
        return (int) crc.getValue();
    }

    /** Fills {@code data} with bytes that differ with {@code seed} (caller, size and repetition). */
    public static void fill(final byte[] data, final long seed) {
        long x = seed * 0x9E3779B97F4A7C15L | 1;
        for (int i = 0; i < data.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            data[i] = (byte) x;
        }
    }

    /** Reads Thrift binary from a buffer, checking every length against what is left. */
    private static final class Reader {
        private final DirectBuffer buffer;
        private int index;

        Reader(final DirectBuffer buffer) {
            this.buffer = buffer;
        }

        byte fieldType() {
            return buffer.getByte(require(1));
        }

        short i16() {
            return buffer.getShort(require(2), ByteOrder.BIG_ENDIAN);
        }

        int i32() {
            return buffer.getInt(require(4), ByteOrder.BIG_ENDIAN);
        }

        byte[] bytes() {
            final int length = i32();
            if (length < 0) {
                throw new IllegalArgumentException("negative length " + length + " at byte " + (index - LENGTH));
            }
            final byte[] out = new byte[length];
            buffer.getBytes(require(length), out);
            return out;
        }

        void skip(final byte type, final int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("values nested deeper than " + MAX_DEPTH + " at byte " + index);
            }
            switch (type) {
                case T_BOOL, T_BYTE -> require(1);
                case T_I16 -> require(2);
                case T_I32 -> require(4);
                case T_I64, T_DOUBLE -> require(8);
                case T_STRING -> bytes();
                case T_STRUCT -> {
                    for (byte t = fieldType(); t != T_STOP; t = fieldType()) {
                        i16();
                        skip(t, depth + 1);
                    }
                }
                case T_MAP -> {
                    final byte keyType = fieldType();
                    final byte valueType = fieldType();
                    for (int i = count(); i > 0; i--) {
                        skip(keyType, depth + 1);
                        skip(valueType, depth + 1);
                    }
                }
                case T_SET, T_LIST -> {
                    final byte elementType = fieldType();
                    for (int i = count(); i > 0; i--) {
                        skip(elementType, depth + 1);
                    }
                }
                default -> throw new IllegalArgumentException("unknown Thrift type " + type + " at byte " + (index - 1));
            }
        }

        void expectEnd() {
            if (index != buffer.capacity()) {
                throw new IllegalArgumentException((buffer.capacity() - index) + " bytes after the struct's stop byte");
            }
        }

        private int count() {
            final int count = i32();
            if (count < 0 || count > buffer.capacity() - index) {
                throw new IllegalArgumentException("element count " + count + " at byte " + (index - LENGTH)
                    + " exceeds the " + (buffer.capacity() - index) + " bytes left");
            }
            return count;
        }

        /** @return where the next {@code length} bytes start; advances past them. */
        private int require(final int length) {
            if (length > buffer.capacity() - index) {
                throw new IllegalArgumentException("struct ends at byte " + buffer.capacity() + ", but " + length
                    + " more bytes are needed at byte " + index);
            }
            final int at = index;
            index += length;
            return at;
        }
    }
}
