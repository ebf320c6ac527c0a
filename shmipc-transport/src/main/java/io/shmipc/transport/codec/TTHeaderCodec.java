package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static io.shmipc.transport.codec.MalformedFrameException.Reason;
import static io.shmipc.transport.codec.TTHeaderDescriptor.*;

/**
 * Encodes and decodes the TTHeader in place over a {@link DirectBuffer}, so the same code runs over a Netty buffer
 * and over a shared-memory slice. The payload is neither copied nor touched: encode writes the header in front of
 * where the caller puts the payload, decode reports where the payload starts. Every length read from the wire is
 * checked against the frame before it is used.
 */
public final class TTHeaderCodec
{
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;
    private static final int BLOCK_ID_AND_COUNT = 3;
    private static final int U16 = 2;

    private TTHeaderCodec()
    {
    }

    /**
     * @param header the header to measure.
     * @return bytes from the start of the frame to the start of the payload, padding included.
     * @throws IllegalArgumentException when a key, value or count does not fit its u16 field.
     */
    public static int headerLength(final TTHeader header)
    {
        return FIXED_HEADER_LENGTH + headerAreaLength(header);
    }

    /**
     * Write the length field and the header for a payload of {@code payloadLength} bytes that the caller writes
     * at {@code offset + returned value}.
     *
     * @return the header length, which is where the payload starts relative to {@code offset}.
     * @throws IllegalArgumentException when the header or frame does not fit the format's limits.
     */
    public static int encode(
        final TTHeader header, final int payloadLength, final MutableDirectBuffer dst, final int offset)
    {
        final int areaLength = headerAreaLength(header);
        final int headerLength = FIXED_HEADER_LENGTH + areaLength;
        final long lengthField = (long)headerLength - LENGTH_FIELD_LENGTH + payloadLength;
        if (payloadLength < 0 || lengthField > MAX_LENGTH)
        {
            throw new IllegalArgumentException(
                "TTHeader frame of " + (lengthField + LENGTH_FIELD_LENGTH) + " bytes exceeds the format's limit");
        }

        dst.putInt(offset + LENGTH_OFFSET, (int)lengthField, ORDER);
        dst.putShort(offset + MAGIC_OFFSET, (short)MAGIC, ORDER);
        dst.putShort(offset + FLAGS_OFFSET, (short)header.flags(), ORDER);
        dst.putInt(offset + SEQ_ID_OFFSET, header.seqId(), ORDER);
        dst.putShort(offset + HEADER_SIZE_OFFSET, (short)(areaLength / HEADER_WORD), ORDER);
        dst.putByte(offset + PROTOCOL_ID_OFFSET, (byte)header.protocolId());
        final byte[] transforms = header.transformIds();
        dst.putByte(offset + NUM_TRANSFORMS_OFFSET, (byte)transforms.length);

        int index = offset + NUM_TRANSFORMS_OFFSET + 1;
        dst.putBytes(index, transforms);
        index += transforms.length;

        final InfoKeys shared = header.sharedInfo();
        if (shared != null)
        {
            final byte[] blocks = shared.encoded();
            dst.putBytes(index, blocks);
            index += blocks.length;
        }
        else
        {
            index = putInfoBlocks(header.intInfoView(), header.stringInfoView(), dst, index);
        }

        final String aclToken = header.aclToken();
        if (aclToken != null)
        {
            dst.putByte(index, (byte)INFO_ACL_TOKEN);
            index = putU16String(dst, index + 1, aclToken);
        }

        final int end = offset + headerLength;
        dst.setMemory(index, end - index, (byte)INFO_PADDING);
        return headerLength;
    }

    /**
     * @param src holds at least {@link TTHeaderDescriptor#LENGTH_FIELD_LENGTH} bytes from {@code offset}.
     * @return the whole frame's length, length field included, as the frame claims it.
     */
    public static long frameLength(final DirectBuffer src, final int offset)
    {
        return (src.getInt(offset + LENGTH_OFFSET, ORDER) & 0xFFFF_FFFFL) + LENGTH_FIELD_LENGTH;
    }

    /**
     * Decode the header of the frame at {@code offset} into {@code out} (which is reset first).
     *
     * @param src          the buffer.
     * @param offset       where the frame starts.
     * @param available    bytes readable from {@code offset}; must cover the whole frame.
     * @param maxFrameSize largest acceptable frame, length field included.
     * @param out          receives the header fields.
     * @return the header length: the payload starts at {@code offset + returned value} and runs to the frame end.
     * @throws MalformedFrameException naming what is wrong with the frame.
     */
    public static int decode(
        final DirectBuffer src, final int offset, final int available, final int maxFrameSize, final TTHeader out)
    {
        out.reset();
        if (available < FIXED_HEADER_LENGTH + 2)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_FRAME,
                "a TTHeader needs at least " + (FIXED_HEADER_LENGTH + 2) + " bytes, got " + available);
        }
        final long lengthField = frameLength(src, offset) - LENGTH_FIELD_LENGTH;
        checkFrameLength(lengthField, maxFrameSize);
        final int frameLength = (int)lengthField + LENGTH_FIELD_LENGTH;
        if (frameLength > available)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_FRAME,
                "TTHeader length field promises " + frameLength + " bytes, only " + available + " present");
        }
        final int magic = src.getShort(offset + MAGIC_OFFSET, ORDER) & 0xFFFF;
        if (magic != MAGIC)
        {
            throw new MalformedFrameException(Reason.BAD_MAGIC,
                "expected TTHeader magic 0x1000 at offset 4, got 0x" + Integer.toHexString(magic));
        }

        final int headerWords = src.getShort(offset + HEADER_SIZE_OFFSET, ORDER) & 0xFFFF;
        final int headerLength = FIXED_HEADER_LENGTH + headerWords * HEADER_WORD;
        if (headerLength > frameLength)
        {
            throw new MalformedFrameException(Reason.HEADER_SIZE_BEYOND_FRAME,
                "header size " + headerWords + " words ends at byte " + headerLength + " of a " + frameLength +
                "-byte frame");
        }
        if (headerWords == 0)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_HEADER,
                "header size 0 leaves no room for the protocol id and transform count");
        }
        final int headerEnd = offset + headerLength;

        out.flags(src.getShort(offset + FLAGS_OFFSET, ORDER) & 0xFFFF);
        out.seqId(src.getInt(offset + SEQ_ID_OFFSET, ORDER));
        out.protocolId(src.getByte(offset + PROTOCOL_ID_OFFSET) & 0xFF);
        final int transformCount = src.getByte(offset + NUM_TRANSFORMS_OFFSET) & 0xFF;
        int index = offset + NUM_TRANSFORMS_OFFSET + 1;
        if (index + transformCount > headerEnd)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_HEADER,
                transformCount + " transform ids do not fit a header area of " + (headerWords * HEADER_WORD) +
                " bytes");
        }
        if (transformCount > 0)
        {
            final byte[] transforms = new byte[transformCount];
            src.getBytes(index, transforms);
            out.transformIds(transforms);
            index += transformCount;
        }

        while (index < headerEnd)
        {
            final int infoId = src.getByte(index) & 0xFF;
            switch (infoId)
            {
                case INFO_PADDING:
                    checkPadding(src, index, headerEnd, offset);
                    index = headerEnd;
                    break;
                case INFO_STRING_KV:
                case INFO_INT_KV:
                    index = readInfoBlocks(src, index, headerEnd, offset, out);
                    break;
                case INFO_ACL_TOKEN:
                    final int tokenLength = readU16Length(src, index + 1, headerEnd, offset, "ACL token", null);
                    out.aclToken(Utf8.get(src, index + 1 + U16, tokenLength));
                    index += 1 + U16 + tokenLength;
                    break;
                default:
                    throw new MalformedFrameException(Reason.UNKNOWN_INFO_ID,
                        "unknown info id 0x" + Integer.toHexString(infoId) + " at frame offset " + (index - offset));
            }
        }
        return headerLength;
    }

    /**
     * Check a frame's length field against the format's and the caller's limits.
     *
     * @param lengthField  the value of the u32 length field.
     * @param maxFrameSize largest acceptable frame, length field included.
     * @throws MalformedFrameException with {@link Reason#FRAME_TOO_LARGE}.
     */
    public static void checkFrameLength(final long lengthField, final int maxFrameSize)
    {
        if (lengthField > MAX_LENGTH)
        {
            throw new MalformedFrameException(Reason.FRAME_TOO_LARGE,
                "TTHeader length " + lengthField + " exceeds the format's maximum " + MAX_LENGTH);
        }
        if (lengthField + LENGTH_FIELD_LENGTH > maxFrameSize)
        {
            throw new MalformedFrameException(Reason.FRAME_TOO_LARGE,
                "frame of " + (lengthField + LENGTH_FIELD_LENGTH) + " bytes exceeds the maximum frame size " +
                maxFrameSize);
        }
    }

    private static int headerAreaLength(final TTHeader header)
    {
        int length = 2 + header.transformCount();
        final InfoKeys shared = header.sharedInfo();
        length += shared != null ? shared.encoded().length :
            infoBlocksLength(header.intInfoView(), header.stringInfoView());
        if (header.aclToken() != null)
        {
            length += 1 + u16StringLength(header.aclToken(), "ACL token", null);
        }

        final int padded = (length + HEADER_WORD - 1) & -HEADER_WORD;
        if (padded > MAX_HEADER_AREA)
        {
            throw new IllegalArgumentException(
                "TTHeader header area of " + padded + " bytes exceeds the format's maximum " + MAX_HEADER_AREA);
        }
        return padded;
    }

    /**
     * @return the bytes the integer and string info blocks of these keys take (no block for an empty map).
     * @throws IllegalArgumentException when a key, value or count does not fit its u16 field, or a value is null.
     */
    static int infoBlocksLength(final Map<Integer, String> intInfo, final Map<String, String> stringInfo)
    {
        int length = 0;
        if (!intInfo.isEmpty())
        {
            checkCount(intInfo.size(), "integer info keys");
            length += BLOCK_ID_AND_COUNT;
            for (final Map.Entry<Integer, String> e : intInfo.entrySet())
            {
                final int key = e.getKey();
                if ((key & ~MAX_U16) != 0)
                {
                    throw new IllegalArgumentException("integer info key " + key + " does not fit u16");
                }
                length += U16 + u16StringLength(e.getValue(), "integer info key ", e.getKey());
            }
        }
        if (!stringInfo.isEmpty())
        {
            checkCount(stringInfo.size(), "string info keys");
            length += BLOCK_ID_AND_COUNT;
            for (final Map.Entry<String, String> e : stringInfo.entrySet())
            {
                length += u16StringLength(e.getKey(), "string info key", null) +
                    u16StringLength(e.getValue(), "string info key ", e.getKey());
            }
        }
        return length;
    }

    /**
     * Write the integer and string info blocks of these keys (checked by {@link #infoBlocksLength}) at {@code index}.
     *
     * @return the index after them.
     */
    static int putInfoBlocks(final Map<Integer, String> intInfo, final Map<String, String> stringInfo,
        final MutableDirectBuffer dst, final int index)
    {
        int at = index;
        if (!intInfo.isEmpty())
        {
            dst.putByte(at, (byte)INFO_INT_KV);
            dst.putShort(at + 1, (short)intInfo.size(), ORDER);
            at += BLOCK_ID_AND_COUNT;
            for (final Map.Entry<Integer, String> e : intInfo.entrySet())
            {
                dst.putShort(at, (short)e.getKey().intValue(), ORDER);
                at = putU16String(dst, at + U16, e.getValue());
            }
        }
        if (!stringInfo.isEmpty())
        {
            dst.putByte(at, (byte)INFO_STRING_KV);
            dst.putShort(at + 1, (short)stringInfo.size(), ORDER);
            at += BLOCK_ID_AND_COUNT;
            for (final Map.Entry<String, String> e : stringInfo.entrySet())
            {
                at = putU16String(dst, at, e.getKey());
                at = putU16String(dst, at, e.getValue());
            }
        }
        return at;
    }

    private static void checkCount(final int count, final String what)
    {
        if (count > MAX_U16)
        {
            throw new IllegalArgumentException(count + " " + what + " exceed the u16 count of a TTHeader block");
        }
    }

    /**
     * @param what  names the string in an error; {@code owner}, if not null, is appended to it (quoted if a string):
     *              the message is built only when the check fails.
     */
    private static int u16StringLength(final String value, final String what, final Object owner)
    {
        if (value == null)
        {
            throw new IllegalArgumentException(describe(what, owner) + " has a null value");
        }
        final int length = Utf8.encodedLength(value);
        if (length > MAX_U16)
        {
            throw new IllegalArgumentException(
                describe(what, owner) + " is " + length + " bytes long; a TTHeader string holds at most " + MAX_U16);
        }
        return U16 + length;
    }

    private static String describe(final String what, final Object owner)
    {
        if (owner == null)
        {
            return what;
        }
        return owner instanceof String ? what + "'" + owner + "'" : what + owner;
    }

    private static int putU16String(final MutableDirectBuffer dst, final int index, final String value)
    {
        final int length = Utf8.put(dst, index + U16, value);
        dst.putShort(index, (short)length, ORDER);
        return index + U16 + length;
    }

    private static void checkPadding(final DirectBuffer src, final int from, final int headerEnd, final int offset)
    {
        for (int i = from; i < headerEnd; i++)
        {
            final byte b = src.getByte(i);
            if (b != INFO_PADDING)
            {
                throw new MalformedFrameException(Reason.BAD_PADDING,
                    "padding byte at frame offset " + (i - offset) + " is 0x" + Integer.toHexString(b & 0xFF) +
                    ", not zero");
            }
        }
    }

    /**
     * Read the info blocks that start at {@code from}: as keys decoded from the same bytes before when there are any
     * (and the header has no keys yet, which they would replace), otherwise decoded and remembered.
     *
     * @return the index after them.
     */
    private static int readInfoBlocks(
        final DirectBuffer src, final int from, final int headerEnd, final int offset, final TTHeader out)
    {
        final int end = infoBlocksEnd(src, from, headerEnd);
        final int length = end - from;
        if (length <= 0 || length > RecentInfoKeys.MAX_LENGTH || !out.stringInfoView().isEmpty() ||
            !out.intInfoView().isEmpty())
        {
            // Malformed (decoding it the usual way names the fault), too long to keep, or after an ACL token.
            return src.getByte(from) == INFO_INT_KV ?
                readIntBlock(src, from + 1, headerEnd, offset, out.intInfo()) :
                readStringBlock(src, from + 1, headerEnd, offset, out.stringInfo());
        }
        InfoKeys keys = RecentInfoKeys.get(src, from, length);
        if (keys == null)
        {
            final TreeMap<Integer, String> intInfo = new TreeMap<>();
            final LinkedHashMap<String, String> stringInfo = new LinkedHashMap<>();
            int index = from;
            while (index < end)
            {
                index = src.getByte(index) == INFO_INT_KV ?
                    readIntBlock(src, index + 1, headerEnd, offset, intInfo) :
                    readStringBlock(src, index + 1, headerEnd, offset, stringInfo);
            }
            keys = InfoKeys.decoded(intInfo, stringInfo);
            RecentInfoKeys.put(src, from, length, keys);
        }
        out.info(keys);
        return end;
    }

    /**
     * @return where the run of integer and string info blocks starting at {@code from} ends, or -1 when one of them
     * does not fit the header area.
     */
    private static int infoBlocksEnd(final DirectBuffer src, final int from, final int headerEnd)
    {
        int index = from;
        while (index < headerEnd)
        {
            final int infoId = src.getByte(index) & 0xFF;
            if (infoId != INFO_INT_KV && infoId != INFO_STRING_KV)
            {
                break;
            }
            if (index + BLOCK_ID_AND_COUNT > headerEnd)
            {
                return -1;
            }
            final int count = src.getShort(index + 1, ORDER) & 0xFFFF;
            // An integer key is a u16 then a string; a string key is two strings.
            final int stringsPerKey = infoId == INFO_INT_KV ? 1 : 2;
            index += BLOCK_ID_AND_COUNT;
            for (int i = 0; i < count; i++)
            {
                if (infoId == INFO_INT_KV)
                {
                    index += U16;
                }
                for (int s = 0; s < stringsPerKey; s++)
                {
                    if (index + U16 > headerEnd)
                    {
                        return -1;
                    }
                    index += U16 + (src.getShort(index, ORDER) & 0xFFFF);
                }
                if (index > headerEnd)
                {
                    return -1;
                }
            }
        }
        return index;
    }

    private static int readStringBlock(
        final DirectBuffer src, final int from, final int headerEnd, final int offset, final Map<String, String> out)
    {
        final int count = readU16(src, from, headerEnd, offset, "string info count");
        int index = from + U16;
        for (int i = 0; i < count; i++)
        {
            final int keyLength = readU16Length(src, index, headerEnd, offset, "string info key", null);
            final String key = Utf8.getName(src, index + U16, keyLength);
            index += U16 + keyLength;
            final int valueLength = readU16Length(src, index, headerEnd, offset, "value of string info ", key);
            out.put(key, Utf8.getName(src, index + U16, valueLength));
            index += U16 + valueLength;
        }
        return index;
    }

    private static int readIntBlock(
        final DirectBuffer src, final int from, final int headerEnd, final int offset, final Map<Integer, String> out)
    {
        final int count = readU16(src, from, headerEnd, offset, "integer info count");
        int index = from + U16;
        for (int i = 0; i < count; i++)
        {
            final int key = readU16(src, index, headerEnd, offset, "integer info key");
            index += U16;
            final int valueLength = readU16Length(src, index, headerEnd, offset, "value of integer info ", key);
            out.put(key, Utf8.getName(src, index + U16, valueLength));
            index += U16 + valueLength;
        }
        return index;
    }

    private static int readU16(
        final DirectBuffer src, final int index, final int headerEnd, final int offset, final String what)
    {
        if (index + U16 > headerEnd)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_INFO,
                what + " at frame offset " + (index - offset) + " runs past the header end at " + (headerEnd - offset));
        }
        return src.getShort(index, ORDER) & 0xFFFF;
    }

    /**
     * @param what  names the string in an error; see {@link #u16StringLength} for {@code owner}.
     */
    private static int readU16Length(final DirectBuffer src, final int index, final int headerEnd, final int offset,
        final String what, final Object owner)
    {
        if (index + U16 > headerEnd)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_INFO, describe(what, owner) + " length at frame offset " +
                (index - offset) + " runs past the header end at " + (headerEnd - offset));
        }
        final int length = src.getShort(index, ORDER) & 0xFFFF;
        if (index + U16 + length > headerEnd)
        {
            throw new MalformedFrameException(Reason.TRUNCATED_INFO,
                describe(what, owner) + " of " + length + " bytes at frame offset " + (index - offset) +
                " runs past the header end at " + (headerEnd - offset));
        }
        return length;
    }
}
