package io.shmipc.transport.fuzz;

import io.shmipc.transport.codec.ApplicationExceptionCodec;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Readable versions of what the fuzz tests found, each kept as a regression test. */
class FuzzFindingsTest
{
    private static final byte TYPE_STRING = 11;

    /**
     * A message string whose length is close to Integer.MAX_VALUE: {@code index + 4 + length} overflowed an int and
     * passed the bounds check, and the decoder then asked for a 2 GiB array (OutOfMemoryError) or, for another field
     * id, skipped to a negative index (IndexOutOfBoundsException).
     */
    @Test
    void shouldReportAnUnparseableBodyWhenAStringLengthOverflowsTheBoundsCheck()
    {
        for (final short fieldId : new short[] {1, 9})
        {
            final UnsafeBuffer body = new UnsafeBuffer(new byte[16]);
            body.putByte(0, TYPE_STRING);
            body.putShort(1, fieldId, ByteOrder.BIG_ENDIAN);
            body.putInt(3, Integer.MAX_VALUE, ByteOrder.BIG_ENDIAN);
            assertEquals(new ApplicationExceptionCodec.Decoded(ApplicationExceptionCodec.UNKNOWN,
                "unparseable TApplicationException body"), ApplicationExceptionCodec.decode(body, 0, body.capacity()));
        }
    }
}
