package io.shmipc.transport.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.TTHeader;
import io.shmipc.transport.codec.TTHeaderCodec;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes through {@link TTHeaderCodec#decode} on its own, so that headers {@code RpcFrameCodec} refuses
 * after decoding (other protocol ids, transforms) are covered too: the header decodes or is rejected with
 * {@link MalformedFrameException}, and a decoded header re-encodes stably (encode, decode, encode gives the same
 * header bytes) for the same payload length.
 *
 * <p>Input: the frame bytes, decoded at a non-zero offset of a larger buffer with a 1 MiB frame limit.
 */
class TTHeaderFuzzTest
{
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 50_000;
    private static final int OFFSET = 5;
    private static final int MAX_FRAME_SIZE = 1 << 20;

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldDecodeOrRejectEveryHeader(final byte[] data)
    {
        final UnsafeBuffer src = new UnsafeBuffer(new byte[OFFSET + data.length + OFFSET]);
        src.putBytes(OFFSET, data);
        final TTHeader header = new TTHeader();
        final int headerLength;
        try
        {
            headerLength = TTHeaderCodec.decode(src, OFFSET, data.length, MAX_FRAME_SIZE, header);
        }
        catch (final MalformedFrameException expected)
        {
            return;
        }
        final long frameLength = TTHeaderCodec.frameLength(src, OFFSET);
        assertTrue(headerLength > 0 && headerLength <= frameLength && frameLength <= data.length,
            "header of " + headerLength + " bytes in a frame of " + frameLength + " of " + data.length);
        if (Lossless.strings(header))
        {
            final int payloadLength = (int)frameLength - headerLength;
            final byte[] once = encodeHeader(header, payloadLength);
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[once.length + payloadLength]);
            frame.putBytes(0, once);
            final TTHeader again = new TTHeader();
            assertEquals(once.length, TTHeaderCodec.decode(frame, 0, frame.capacity(), Integer.MAX_VALUE, again));
            assertArrayEquals(once, encodeHeader(again, payloadLength), "encode(decode(x)) is stable: " + header
                + " vs " + again);
            assertEquals(header.seqId(), again.seqId());
            assertEquals(header.flags(), again.flags());
            assertEquals(header.protocolId(), again.protocolId());
            assertTrue(Arrays.equals(header.transformIds(), again.transformIds()), "transform ids kept");
            assertEquals(header.stringInfo(), again.stringInfo());
            assertEquals(header.intInfo(), again.intInfo());
            assertEquals(header.aclToken(), again.aclToken());
        }
    }

    private static byte[] encodeHeader(final TTHeader header, final int payloadLength)
    {
        final byte[] bytes = new byte[TTHeaderCodec.headerLength(header)];
        assertEquals(bytes.length, TTHeaderCodec.encode(header, payloadLength, new UnsafeBuffer(bytes), 0));
        return bytes;
    }
}
