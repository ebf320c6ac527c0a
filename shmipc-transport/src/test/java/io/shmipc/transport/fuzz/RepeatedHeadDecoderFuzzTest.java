package io.shmipc.transport.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.transport.codec.DecodedFrames;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.InfoKeys;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RepeatedHeadDecoder;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.codec.ThriftMessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link RepeatedHeadDecoder} against {@link RpcFrameCodec#decode}: after a good frame primed its memory, a frame
 * made from another good frame with the same head by arbitrary byte patches (lengths, seq ids, method, keys, padding)
 * and an arbitrary cut must decode to exactly what a full decode gives, or be rejected by both with the same reason.
 * A frame that only looks like the remembered head can thus never be taken for more than it is.
 *
 * <p>Input: a u8 choosing the format, a u8 choosing the maximum frame size, a u8 choosing how many bytes are
 * available (all, or fewer), then pairs of (position, value) patched into the frame.
 */
class RepeatedHeadDecoderFuzzTest
{
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 15_000;
    private static final int[] MAX_FRAME_SIZES = {1 << 20, 96, 64, 16};
    private static final FrameFormat[] FORMATS = FrameFormat.values();

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldDecodeExactlyAsAFullDecodeAfterAGoodFrame(final byte[] data)
    {
        if (data.length < 3)
        {
            return;
        }
        final FrameFormat format = FORMATS[(data[0] & 0xFF) % FORMATS.length];
        final int maxFrameSize = MAX_FRAME_SIZES[(data[1] & 0xFF) % MAX_FRAME_SIZES.length];
        final RepeatedHeadDecoder decoder = new RepeatedHeadDecoder();
        final UnsafeBuffer primer = encode(frame(format, 1, 24));
        decoder.decode(primer, 0, primer.capacity(), Integer.MAX_VALUE, new RpcFrame());

        final UnsafeBuffer src = encode(frame(format, 2, 40));
        for (int i = 3; i + 1 < data.length; i += 2)
        {
            src.putByte((data[i] & 0xFF) % src.capacity(), data[i + 1]);
        }
        final int cut = data[2] & 0xFF;
        final int available = cut < src.capacity() ? src.capacity() - cut : src.capacity();

        final RpcFrame expected = new RpcFrame();
        MalformedFrameException expectedFailure = null;
        int expectedLength = -1;
        try
        {
            expectedLength = RpcFrameCodec.decode(src, 0, available, maxFrameSize, expected);
        }
        catch (final MalformedFrameException ex)
        {
            expectedFailure = ex;
        }
        final RpcFrame actual = new RpcFrame();
        try
        {
            final int actualLength = decoder.decode(src, 0, available, maxFrameSize, actual);
            assertEquals(null, expectedFailure, "the full decode rejected what the decoder took");
            assertEquals(expectedLength, actualLength);
        }
        catch (final MalformedFrameException ex)
        {
            assertEquals(expectedFailure == null ? null : expectedFailure.reason(), ex.reason(), ex.getMessage());
            return;
        }
        DecodedFrames.assertSameDecode(expected, actual, src);
    }

    private static RpcFrame frame(final FrameFormat format, final int seqId, final int bodyLength)
    {
        final RpcFrame frame = new RpcFrame().format(format).messageType(ThriftMessageType.CALL).method("echo")
            .seqId(seqId).body(new UnsafeBuffer(new byte[bodyLength]), 0, bodyLength);
        frame.header().info(InfoKeys.of(Map.of(IntInfoKey.TO_SERVICE.id(), "svc"), Map.of()));
        return frame;
    }

    private static UnsafeBuffer encode(final RpcFrame frame)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[RpcFrameCodec.encodedLength(frame)]);
        RpcFrameCodec.encode(frame, dst, 0);
        return dst;
    }
}
