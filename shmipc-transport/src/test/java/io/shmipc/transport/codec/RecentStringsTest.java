package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class RecentStringsTest
{
    @Test
    void shouldHandBackTheSameStringForTheSameBytesWhereverTheyLie()
    {
        final UnsafeBuffer first = at(3, "checksumEcho");
        final UnsafeBuffer second = at(11, "checksumEcho");
        final String decoded = RecentStrings.get(first, 3, 12);
        assertEquals("checksumEcho", decoded);
        assertSame(decoded, RecentStrings.get(second, 11, 12));
    }

    @Test
    void shouldNeverConfuseDifferentBytes()
    {
        // Many names through a table of 256 slots: collisions must replace, never answer with another name.
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 2_000; i++)
            {
                final String name = "method" + i;
                final UnsafeBuffer buffer = at(0, name);
                assertEquals(name, RecentStrings.get(buffer, 0, buffer.capacity()));
            }
        }
    }

    @Test
    void shouldDecodeNonAsciiLongAndMalformedNamesAsTheDecoderWould()
    {
        final String accented = "méthode-ü";
        final UnsafeBuffer buffer = at(0, accented);
        assertEquals(accented, RecentStrings.get(buffer, 0, buffer.capacity()));
        assertEquals(accented, RecentStrings.get(buffer, 0, buffer.capacity()));

        final String longName = "x".repeat(RecentStrings.MAX_LENGTH + 1);
        final UnsafeBuffer longBuffer = at(0, longName);
        final String once = RecentStrings.get(longBuffer, 0, longBuffer.capacity());
        assertEquals(longName, once);
        assertNotSame(once, RecentStrings.get(longBuffer, 0, longBuffer.capacity()), "long names are not kept");

        final UnsafeBuffer malformed = new UnsafeBuffer(new byte[] {'a', (byte)0xC3, 'b'});
        final String expected = new String(new byte[] {'a', (byte)0xC3, 'b'}, StandardCharsets.UTF_8);
        assertEquals(expected, RecentStrings.get(malformed, 0, 3));
        assertEquals(expected, RecentStrings.get(malformed, 0, 3));
    }

    private static UnsafeBuffer at(final int offset, final String value)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + bytes.length]);
        buffer.putBytes(offset, bytes);
        return buffer;
    }
}
