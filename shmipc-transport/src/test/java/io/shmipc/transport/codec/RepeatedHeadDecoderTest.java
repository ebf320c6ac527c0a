package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteOrder;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RepeatedHeadDecoderTest
{
    private static final int MAX = 1 << 20;
    private static final int OFFSET = 5;

    @ParameterizedTest
    @EnumSource(FrameFormat.class)
    void shouldDecodeFramesWithARememberedHeadAsAFullDecodeDoes(final FrameFormat format)
    {
        final RepeatedHeadDecoder decoder = new RepeatedHeadDecoder();
        // The same head with other seq ids and bodies, then another method, then the first again.
        final String[] methods = {"echo", "echo", "echo", "ping", "ping", "echo"};
        for (int i = 0; i < methods.length; i++)
        {
            final UnsafeBuffer src = encoded(frame(format, methods[i], 1000 + i, i * 37));
            assertSameAsFullDecode(decoder, src);
        }
    }

    @Test
    void shouldReportBothSeqIdsWhenThePeerWroteTwoDifferentOnes()
    {
        final RepeatedHeadDecoder decoder = new RepeatedHeadDecoder();
        assertSameAsFullDecode(decoder, encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 1, 8)));
        final UnsafeBuffer src = encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 2, 8));
        final int messageSeqIdAt = src.capacity() - 8 - 4;
        src.putInt(messageSeqIdAt, 77, ByteOrder.BIG_ENDIAN);
        final RpcFrame decoded = assertSameAsFullDecode(decoder, src);
        assertEquals(2, decoded.seqId());
        assertEquals(77, decoded.messageSeqId());
    }

    @Test
    void shouldRejectAFrameWithARememberedHeadButWrongLengthsAsAFullDecodeDoes()
    {
        final RepeatedHeadDecoder decoder = new RepeatedHeadDecoder();
        final RpcFrame first = new RpcFrame();
        final UnsafeBuffer good = encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 1, 16));
        decoder.decode(good, OFFSET, good.capacity() - OFFSET, MAX, first);

        // The inner framed length disagrees with the TTHeader's.
        final UnsafeBuffer inner = encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 2, 16));
        final int innerAt = OFFSET + TTHeaderCodec.headerLength(first.header());
        inner.putInt(innerAt, inner.getInt(innerAt, ByteOrder.BIG_ENDIAN) + 1, ByteOrder.BIG_ENDIAN);
        assertSameFailure(decoder, inner, MalformedFrameException.Reason.FRAME_LENGTH_MISMATCH, MAX);

        // The length field promises more than arrived.
        final UnsafeBuffer truncated = encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 3, 16));
        assertSameFailure(decoder, truncated.capacity() - 1, truncated, MalformedFrameException.Reason.TRUNCATED_FRAME);

        // The frame is over the limit.
        final UnsafeBuffer large = encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 4, 16));
        assertSameFailure(decoder, large, MalformedFrameException.Reason.FRAME_TOO_LARGE, large.capacity() - OFFSET - 1);

        // The length field claims less than the remembered head itself.
        final UnsafeBuffer shorter = encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 5, 16));
        shorter.putInt(OFFSET, 20, ByteOrder.BIG_ENDIAN);
        final RpcFrame viaDecoder = new RpcFrame();
        final RpcFrame viaCodec = new RpcFrame();
        final Class<? extends Throwable> expected = assertThrows(MalformedFrameException.class,
            () -> RpcFrameCodec.decode(shorter, OFFSET, shorter.capacity() - OFFSET, MAX, viaCodec)).getClass();
        assertThrows(expected, () -> decoder.decode(shorter, OFFSET, shorter.capacity() - OFFSET, MAX, viaDecoder));

        // And a good frame is still recognised afterwards.
        assertSameAsFullDecode(decoder, encoded(frame(FrameFormat.TTHEADER_FRAMED, "echo", 6, 16)));
    }

    private static void assertSameFailure(final RepeatedHeadDecoder decoder, final UnsafeBuffer src,
        final MalformedFrameException.Reason reason, final int maxFrameSize)
    {
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> decoder.decode(src, OFFSET, src.capacity() - OFFSET, maxFrameSize, new RpcFrame()));
        assertEquals(reason, ex.reason(), ex.getMessage());
    }

    private static void assertSameFailure(final RepeatedHeadDecoder decoder, final int available,
        final UnsafeBuffer src, final MalformedFrameException.Reason reason)
    {
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> decoder.decode(src, OFFSET, available - OFFSET, MAX, new RpcFrame()));
        assertEquals(reason, ex.reason(), ex.getMessage());
    }

    private static RpcFrame assertSameAsFullDecode(final RepeatedHeadDecoder decoder, final UnsafeBuffer src)
    {
        final int available = src.capacity() - OFFSET;
        final RpcFrame expected = new RpcFrame();
        final int expectedLength = RpcFrameCodec.decode(src, OFFSET, available, MAX, expected);
        final RpcFrame actual = new RpcFrame();
        assertEquals(expectedLength, decoder.decode(src, OFFSET, available, MAX, actual));
        DecodedFrames.assertSameDecode(expected, actual, src);
        return actual;
    }

    private static RpcFrame frame(final FrameFormat format, final String method, final int seqId, final int bodyLength)
    {
        final RpcFrame frame = new RpcFrame().format(format).messageType(ThriftMessageType.CALL).method(method)
            .seqId(seqId).body(new UnsafeBuffer(new byte[bodyLength]), 0, bodyLength);
        frame.header().flags(TTHeaderDescriptor.FLAG_OUT_OF_ORDER)
            .info(InfoKeys.of(Map.of(IntInfoKey.TO_SERVICE.id(), "svc"), Map.of("isn", "Echo"))).aclToken("token");
        return frame;
    }

    /** The frame encoded at {@link #OFFSET} of a buffer that ends with it. */
    private static UnsafeBuffer encoded(final RpcFrame frame)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[OFFSET + RpcFrameCodec.encodedLength(frame)]);
        RpcFrameCodec.encode(frame, dst, OFFSET);
        for (int i = 0; i < frame.bodyLength(); i++)
        {
            dst.putByte(dst.capacity() - frame.bodyLength() + i, (byte)(frame.seqId() + i));
        }
        return dst;
    }
}
