package io.shmipc.transport.codec;

/**
 * Layout of a TTHeader frame. All integers are big-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          LENGTH: bytes after this field (max 0x3FFFFFFF)      |  0
 *  +-------------------------------+-------------------------------+
 *  |         MAGIC 0x1000          |             FLAGS             |  4
 *  +-------------------------------+-------------------------------+
 *  |                            SEQ ID                             |  8
 *  +-------------------------------+---------------+---------------+
 *  |  HEADER SIZE (4-byte words)   |  PROTOCOL ID  | NUM TRANSFORMS| 12
 *  +-------------------------------+---------------+---------------+
 *  |  transform ids (u8 each) ... info blocks ... zero padding     | 16
 *  +---------------------------------------------------------------+  14 + 4 * HEADER SIZE
 *  |  payload: strict Thrift binary message, optionally u32-framed |
 *  +---------------------------------------------------------------+
 * </pre>
 * Info blocks: {@code 0x01} string pairs (u16 count, then u16-length key and value), {@code 0x10} integer pairs
 * (u16 count, then u16 key and u16-length value), {@code 0x11} ACL token (u16-length string), {@code 0x00} padding.
 */
public final class TTHeaderDescriptor
{
    /** Offset of the u32 length of the rest of the frame. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the u16 magic. */
    public static final int MAGIC_OFFSET = 4;
    /** Offset of the u16 flags. */
    public static final int FLAGS_OFFSET = 6;
    /** Offset of the i32 sequence id. */
    public static final int SEQ_ID_OFFSET = 8;
    /** Offset of the u16 header size in 4-byte words. */
    public static final int HEADER_SIZE_OFFSET = 12;
    /** Offset of the u8 protocol id; the header size counts from here. */
    public static final int PROTOCOL_ID_OFFSET = 14;
    /** Offset of the u8 number of transforms. */
    public static final int NUM_TRANSFORMS_OFFSET = 15;
    /** Bytes before the variable header area. */
    public static final int FIXED_HEADER_LENGTH = PROTOCOL_ID_OFFSET;
    /** Width of the length field that prefixes the frame. */
    public static final int LENGTH_FIELD_LENGTH = 4;

    /** The magic value. */
    public static final int MAGIC = 0x1000;
    /** Largest value of the LENGTH field. */
    public static final int MAX_LENGTH = 0x3FFF_FFFF;
    /** Header size unit. */
    public static final int HEADER_WORD = 4;
    /** Largest header area in bytes (u16 words). */
    public static final int MAX_HEADER_AREA = 0xFFFF * HEADER_WORD;

    /** Flag: responses may come back out of order. */
    public static final int FLAG_OUT_OF_ORDER = 0x01;
    /** Flag: streaming. */
    public static final int FLAG_STREAMING = 0x02;
    /** Flag: duplex reverse. */
    public static final int FLAG_DUPLEX_REVERSE = 0x08;
    /** Flag: SASL. */
    public static final int FLAG_SASL = 0x10;

    /** Protocol id: Thrift binary. */
    public static final int PROTOCOL_THRIFT_BINARY = 0;
    /** Protocol id: Thrift compact (compatibility only). */
    public static final int PROTOCOL_THRIFT_COMPACT = 3;
    /** Protocol id: Kitex protobuf. */
    public static final int PROTOCOL_KITEX_PROTOBUF = 4;

    /** Info block id: padding. */
    public static final int INFO_PADDING = 0x00;
    /** Info block id: string key/values. */
    public static final int INFO_STRING_KV = 0x01;
    /** Info block id: integer key/values. */
    public static final int INFO_INT_KV = 0x10;
    /** Info block id: ACL token. */
    public static final int INFO_ACL_TOKEN = 0x11;

    /** Largest u16 length or count. */
    public static final int MAX_U16 = 0xFFFF;

    private TTHeaderDescriptor()
    {
    }
}
