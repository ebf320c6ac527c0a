package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The frame decoder of one connection: it remembers the head (every byte before the body) of the last frame it
 * decoded and recognises the next frame with the same head, as nearly every frame on a connection is (same method,
 * same info keys, another seq id and body). Such a frame is decoded by comparing its head with the remembered bytes,
 * length fields and seq ids aside, and taking the fields decoded last time: no parsing, no name lookup. Any other
 * frame, or one whose length fields do not add up, is decoded by {@link RpcFrameCodec#decode} in full, with its
 * checks and errors, and becomes the remembered one.
 * <p>
 * Thread-safe: what is remembered is immutable and replaced whole, so frames of one connection may be decoded on
 * several threads at once.
 */
public final class RepeatedHeadDecoder
{
    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;
    private static final int LENGTH_FIELD_LENGTH = 4;
    private static final int SEQ_ID_LENGTH = 4;
    /** Heads longer than this are not remembered: comparing them costs about what decoding them does. */
    private static final int MAX_HEAD_LENGTH = 256;

    private volatile KnownHead last;

    /**
     * Decode the frame at {@code offset} into {@code out}, as {@link RpcFrameCodec#decode} does.
     *
     * @return the frame's length as it claims it.
     * @throws MalformedFrameException naming what is wrong with the frame.
     */
    public int decode(
        final DirectBuffer src, final int offset, final int available, final int maxFrameSize, final RpcFrame out)
    {
        final KnownHead known = last;
        if (known != null)
        {
            final int frameLength = known.recognise(src, offset, available, maxFrameSize);
            if (frameLength > 0)
            {
                known.fill(src, offset, frameLength, out);
                return frameLength;
            }
        }
        final int frameLength = RpcFrameCodec.decode(src, offset, available, maxFrameSize, out);
        remember(src, offset, out);
        return frameLength;
    }

    private void remember(final DirectBuffer src, final int offset, final RpcFrame decoded)
    {
        final int headLength = decoded.bodyOffset() - offset;
        final TTHeader header = decoded.header();
        final boolean keysShared = header.sharedInfo() != null ||
            (header.stringInfoView().isEmpty() && header.intInfoView().isEmpty());
        if (decoded.body() != src || headLength <= 0 || headLength > MAX_HEAD_LENGTH || !keysShared)
        {
            return;
        }
        last = new KnownHead(src, offset, headLength, decoded);
    }

    /**
     * One remembered head: its length, its bytes as masked words, where its varying fields are, and what it decoded
     * to.
     */
    private static final class KnownHead
    {
        private static final int NONE = -1;

        private final int headLength;
        /**
         * The head as words of eight bytes in native order (the last one overlapping the one before when the length
         * is not a multiple of eight), with the bytes of length fields and seq ids cleared, and the masks that clear
         * them in a frame's words.
         */
        private final long[] words;
        private final long[] masks;
        private final FrameFormat format;
        private final ThriftMessageType messageType;
        private final String method;
        private final int flags;
        private final InfoKeys info;
        private final String aclToken;
        /** Offset of the TTHeader's seq id, or {@link #NONE} for framed Thrift. */
        private final int headerSeqIdOffset;
        /** Offset of the framed-Thrift length inside a TTHeader, or {@link #NONE}. */
        private final int innerLengthOffset;

        KnownHead(final DirectBuffer src, final int offset, final int headLength, final RpcFrame decoded)
        {
            this.headLength = headLength;
            this.format = decoded.format();
            this.messageType = decoded.messageType();
            this.method = decoded.method();
            final TTHeader header = decoded.header();
            this.flags = header.flags();
            this.info = header.sharedInfo();
            this.aclToken = header.aclToken();
            this.headerSeqIdOffset = format != FrameFormat.FRAMED ? TTHeaderDescriptor.SEQ_ID_OFFSET : NONE;
            this.innerLengthOffset = format == FrameFormat.TTHEADER_FRAMED ? TTHeaderCodec.headerLength(header) : NONE;
            final byte[] mask = new byte[headLength];
            Arrays.fill(mask, (byte)0xFF);
            clear(mask, 0, LENGTH_FIELD_LENGTH);
            clear(mask, headLength - SEQ_ID_LENGTH, SEQ_ID_LENGTH);
            if (headerSeqIdOffset != NONE)
            {
                clear(mask, headerSeqIdOffset, SEQ_ID_LENGTH);
            }
            if (innerLengthOffset != NONE)
            {
                clear(mask, innerLengthOffset, LENGTH_FIELD_LENGTH);
            }
            final int count = (headLength + Long.BYTES - 1) / Long.BYTES;
            this.words = new long[count];
            this.masks = new long[count];
            final UnsafeBuffer maskView = new UnsafeBuffer(mask);
            for (int i = 0; i < count; i++)
            {
                final int at = wordOffset(i, count, headLength);
                masks[i] = maskView.getLong(at, ByteOrder.nativeOrder());
                words[i] = src.getLong(offset + at, ByteOrder.nativeOrder()) & masks[i];
            }
        }

        private static void clear(final byte[] mask, final int from, final int length)
        {
            Arrays.fill(mask, from, from + length, (byte)0);
        }

        /** Where word {@code i} of {@code count} starts: every eight bytes, the last one ending with the head. */
        private static int wordOffset(final int i, final int count, final int headLength)
        {
            return i < count - 1 ? i * Long.BYTES : headLength - Long.BYTES;
        }

        /**
         * @return the frame's length if the frame at {@code offset} has this head and its length fields agree with
         * the bytes available and the limit; otherwise 0.
         */
        int recognise(final DirectBuffer src, final int offset, final int available, final int maxFrameSize)
        {
            if (available < headLength)
            {
                return 0;
            }
            final long frameLength = (src.getInt(offset, ORDER) & 0xFFFF_FFFFL) + LENGTH_FIELD_LENGTH;
            if (frameLength > available || frameLength > maxFrameSize || frameLength < headLength)
            {
                return 0;
            }
            if (offset < 0 || (long)offset + headLength > src.capacity())
            {
                return 0;
            }
            // In bounds (checked just above), so the words are read without a check each.
            final Object array = src.byteArray();
            final long address = src.addressOffset() + offset;
            final int count = words.length;
            for (int i = 0; i < count; i++)
            {
                if ((UnsafeApi.getLong(array, address + wordOffset(i, count, headLength)) & masks[i]) != words[i])
                {
                    return 0;
                }
            }
            final boolean same = innerLengthOffset == NONE ||
                (src.getInt(offset + innerLengthOffset, ORDER) & 0xFFFF_FFFFL) ==
                    frameLength - innerLengthOffset - LENGTH_FIELD_LENGTH;
            return same ? (int)frameLength : 0;
        }

        void fill(final DirectBuffer src, final int offset, final int frameLength, final RpcFrame out)
        {
            out.reset();
            out.format(format).messageType(messageType).method(method);
            final TTHeader header = out.header();
            if (headerSeqIdOffset != NONE)
            {
                header.flags(flags);
                if (info != null)
                {
                    header.info(info);
                }
                header.aclToken(aclToken);
                header.seqId(src.getInt(offset + headerSeqIdOffset, ORDER));
            }
            final int messageSeqId = src.getInt(offset + headLength - SEQ_ID_LENGTH, ORDER);
            out.decodedSeqIds(headerSeqIdOffset != NONE ? header.seqId() : messageSeqId, messageSeqId);
            out.body(src, offset + headLength, frameLength - headLength);
        }
    }
}
