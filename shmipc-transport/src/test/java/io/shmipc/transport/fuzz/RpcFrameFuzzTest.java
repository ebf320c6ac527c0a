package io.shmipc.transport.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.RpcFrameCodec;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes through {@link RpcFrameCodec#decode}, which runs the TTHeader, framed Thrift and Thrift message
 * decoders: a frame decodes or is rejected with {@link MalformedFrameException}, nothing else escapes. What decodes
 * re-encodes stably (encode, decode, encode gives the same bytes), and the length the TCP frame splitter computes
 * from the first eight bytes ({@link RpcFrameCodec#frameLength}) agrees with the decoded frame and stays within
 * {@code 4 ..} the maximum frame size.
 *
 * <p>Input: a u8 choosing the maximum frame size (small limits reach the size checks), then the frame bytes, which
 * are decoded at a non-zero offset of a larger buffer so that offset arithmetic is exercised too.
 */
class RpcFrameFuzzTest
{
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 15_000;
    private static final int OFFSET = 3;
    private static final int[] MAX_FRAME_SIZES = {1 << 20, 64, 16, Integer.MAX_VALUE};

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldDecodeOrRejectEveryFrame(final byte[] data)
    {
        if (data.length == 0)
        {
            return;
        }
        final int maxFrameSize = MAX_FRAME_SIZES[(data[0] & 0xFF) % MAX_FRAME_SIZES.length];
        final int length = data.length - 1;
        final UnsafeBuffer src = new UnsafeBuffer(new byte[OFFSET + length + OFFSET]);
        src.putBytes(OFFSET, data, 1, length);

        checkSplitterLength(src, length, maxFrameSize);
        final RpcFrame frame = new RpcFrame();
        final int frameLength;
        try
        {
            frameLength = RpcFrameCodec.decode(src, OFFSET, length, maxFrameSize, frame);
        }
        catch (final MalformedFrameException expected)
        {
            return;
        }
        assertTrue(frameLength >= FrameKind.DETECTION_LENGTH && frameLength <= length,
            "decoded length " + frameLength + " of " + length + " bytes");
        assertTrue(frame.bodyOffset() >= OFFSET && frame.bodyOffset() + frame.bodyLength() <= OFFSET + frameLength,
            "the body lies inside the frame");
        assertEquals(frameLength, RpcFrameCodec.frameLength(src.getInt(OFFSET, ByteOrder.BIG_ENDIAN),
            src.getInt(OFFSET + 4, ByteOrder.BIG_ENDIAN), maxFrameSize), "the splitter cuts where decode ends");
        if (Lossless.strings(frame))
        {
            final byte[] once = encode(frame);
            final RpcFrame again = new RpcFrame();
            assertEquals(once.length, RpcFrameCodec.decode(new UnsafeBuffer(once), 0, once.length, Integer.MAX_VALUE,
                again));
            assertArrayEquals(once, encode(again), "encode(decode(x)) is stable");
        }
    }

    /** What the TCP splitter does with the first eight bytes: a length in range, or a malformed frame. */
    private static void checkSplitterLength(final UnsafeBuffer src, final int length, final int maxFrameSize)
    {
        if (length < FrameKind.DETECTION_LENGTH)
        {
            return;
        }
        try
        {
            final int splitLength = RpcFrameCodec.frameLength(src.getInt(OFFSET, ByteOrder.BIG_ENDIAN),
                src.getInt(OFFSET + 4, ByteOrder.BIG_ENDIAN), maxFrameSize);
            assertTrue(splitLength >= 4 && splitLength <= maxFrameSize, "split length " + splitLength
                + " within 4.." + maxFrameSize);
        }
        catch (final MalformedFrameException expected)
        {
            // the splitter closes the connection
        }
    }

    private static byte[] encode(final RpcFrame frame)
    {
        final byte[] bytes = new byte[RpcFrameCodec.encodedLength(frame)];
        assertEquals(bytes.length, RpcFrameCodec.encode(frame, new UnsafeBuffer(bytes), 0));
        return bytes;
    }
}
