package io.shmipc.transport.codec;

import org.agrona.DirectBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Test help: two decodes of one frame must agree field by field.
 */
public final class DecodedFrames
{
    private DecodedFrames()
    {
    }

    /**
     * @param expected what the full decoder made of the frame in {@code src}.
     * @param actual   what another decode made of it; its body must point into {@code src}.
     */
    public static void assertSameDecode(final RpcFrame expected, final RpcFrame actual, final DirectBuffer src)
    {
        assertEquals(expected.format(), actual.format());
        assertEquals(expected.messageType(), actual.messageType());
        assertEquals(expected.method(), actual.method());
        assertEquals(expected.seqId(), actual.seqId());
        assertEquals(expected.messageSeqId(), actual.messageSeqId());
        assertSame(src, actual.body());
        assertEquals(expected.bodyOffset(), actual.bodyOffset());
        assertEquals(expected.bodyLength(), actual.bodyLength());
        assertEquals(expected.header().toString(), actual.header().toString());
    }
}
