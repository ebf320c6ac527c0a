package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * What kind of frame a byte stream carries, recognised from its first {@link #DETECTION_LENGTH} bytes the way Kitex
 * does it.
 */
public enum FrameKind
{
    /** TTHeader: u32 length, then magic 0x1000 at offset 4. */
    TTHEADER,
    /** Framed Thrift binary: u32 length, then a strict message starting 0x8001 at offset 4. */
    FRAMED_THRIFT,
    /** Unframed strict Thrift binary: 0x8001 at offset 0; its end is only known by parsing the struct. */
    UNFRAMED_THRIFT,
    /** Kitex protobuf: 0x9001 at offset 0. */
    KITEX_PROTOBUF,
    /** Mesh header: 0xFFAF at offset 0. */
    MESH_HEADER,
    /** None of the above. */
    UNKNOWN;

    /** Bytes needed to tell the kinds apart. */
    public static final int DETECTION_LENGTH = 8;

    private static final int TTHEADER_MAGIC_MASK = 0xFFFF0000;
    private static final int TTHEADER_MAGIC_WORD = 0x1000_0000;
    private static final int THRIFT_VERSION_1 = 0x8001;
    private static final int KITEX_PROTOBUF_MAGIC = 0x9001;
    private static final int MESH_HEADER_MAGIC = 0xFFAF;

    /**
     * Classify the frame starting at {@code offset}.
     *
     * @param buffer holds at least {@link #DETECTION_LENGTH} bytes from {@code offset}.
     * @param offset where the frame starts.
     * @return the frame kind, {@link #UNKNOWN} when nothing matches.
     */
    public static FrameKind detect(final DirectBuffer buffer, final int offset)
    {
        return detect(buffer.getInt(offset, ByteOrder.BIG_ENDIAN), buffer.getInt(offset + 4, ByteOrder.BIG_ENDIAN));
    }

    /**
     * Classify a frame from its first two big-endian words, for callers that read them from their own buffers.
     *
     * @param firstWord  bytes 0-3.
     * @param secondWord bytes 4-7.
     * @return the frame kind, {@link #UNKNOWN} when nothing matches.
     */
    public static FrameKind detect(final int firstWord, final int secondWord)
    {
        if ((secondWord & TTHEADER_MAGIC_MASK) == TTHEADER_MAGIC_WORD)
        {
            return TTHEADER;
        }
        if ((secondWord >>> 16) == THRIFT_VERSION_1)
        {
            return FRAMED_THRIFT;
        }
        final int firstShort = firstWord >>> 16;
        switch (firstShort)
        {
            case THRIFT_VERSION_1:
                return UNFRAMED_THRIFT;
            case KITEX_PROTOBUF_MAGIC:
                return KITEX_PROTOBUF;
            case MESH_HEADER_MAGIC:
                return MESH_HEADER;
            default:
                return UNKNOWN;
        }
    }
}
