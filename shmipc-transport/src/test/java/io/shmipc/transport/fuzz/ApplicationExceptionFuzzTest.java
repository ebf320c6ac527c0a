package io.shmipc.transport.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.transport.codec.ApplicationExceptionCodec;
import org.agrona.concurrent.UnsafeBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Arbitrary bytes as the body of a Thrift EXCEPTION reply through {@link ApplicationExceptionCodec#decode}, which is
 * documented never to throw (a body it cannot parse yields type UNKNOWN and a note); what it decodes re-encodes and
 * decodes to the same type and message.
 *
 * <p>Input: the body bytes, decoded at a non-zero offset of a larger buffer.
 */
class ApplicationExceptionFuzzTest
{
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 50_000;
    private static final int OFFSET = 7;

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldDecodeEveryBodyWithoutThrowing(final byte[] data)
    {
        final UnsafeBuffer src = new UnsafeBuffer(new byte[OFFSET + data.length + OFFSET]);
        src.putBytes(OFFSET, data);
        final ApplicationExceptionCodec.Decoded decoded = ApplicationExceptionCodec.decode(src, OFFSET, data.length);
        assertNotNull(decoded.message());
        if (Lossless.string(decoded.message()))
        {
            final UnsafeBuffer encoded = new UnsafeBuffer(
                new byte[ApplicationExceptionCodec.encodedLength(decoded.message())]);
            final int length = ApplicationExceptionCodec.encode(encoded, 0, decoded.type(), decoded.message());
            assertEquals(encoded.capacity(), length);
            assertEquals(decoded, ApplicationExceptionCodec.decode(encoded, 0, length), "decode(encode(decoded))");
        }
    }
}
