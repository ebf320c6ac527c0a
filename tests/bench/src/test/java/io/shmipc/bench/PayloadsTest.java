package io.shmipc.bench;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadsTest
{
    private static final int OFFSET = 3;
    private static final int LENGTH = 1027;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + LENGTH]);
    private final long seed = Payloads.seedFor(42, 7);

    @Test
    void shouldVerifyWhatWasFilledWithTheSameSeed()
    {
        Payloads.fill(buffer, OFFSET, LENGTH, seed);

        assertDoesNotThrow(() -> Payloads.verify(buffer, OFFSET, LENGTH, LENGTH, seed, "test"));
    }

    @Test
    void shouldNameTheOffsetWhenOneByteInTheTailIsFlipped()
    {
        Payloads.fill(buffer, OFFSET, LENGTH, seed);
        buffer.putByte(OFFSET + LENGTH - 1, (byte)~buffer.getByte(OFFSET + LENGTH - 1));

        final PayloadMismatchException e = assertThrows(PayloadMismatchException.class,
            () -> Payloads.verify(buffer, OFFSET, LENGTH, LENGTH, seed, "test"));
        assertTrue(e.getMessage().startsWith(PayloadMismatchException.MESSAGE_PREFIX), e.getMessage());
        assertTrue(e.getMessage().contains("offset " + (LENGTH - 1)), e.getMessage());
    }

    @Test
    void shouldRejectAStalePayloadFromAnEarlierCall()
    {
        Payloads.fill(buffer, OFFSET, LENGTH, Payloads.seedFor(41, 7));

        assertThrows(PayloadMismatchException.class,
            () -> Payloads.verify(buffer, OFFSET, LENGTH, LENGTH, seed, "test"));
    }

    @Test
    void shouldRejectATruncatedPayload()
    {
        Payloads.fill(buffer, OFFSET, LENGTH, seed);

        assertThrows(PayloadMismatchException.class,
            () -> Payloads.verify(buffer, OFFSET, LENGTH - 8, LENGTH, seed, "test"));
    }

    @Test
    void shouldGiveResponsesADifferentSeedThanTheirRequest()
    {
        Payloads.fill(buffer, OFFSET, LENGTH, seed);

        assertThrows(PayloadMismatchException.class, () ->
            Payloads.verify(buffer, OFFSET, LENGTH, LENGTH, Payloads.responseSeed(seed), "test"));
    }
}
