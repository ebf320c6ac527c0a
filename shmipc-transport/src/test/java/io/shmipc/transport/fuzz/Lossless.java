package io.shmipc.transport.fuzz;

import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.TTHeader;

/**
 * Whether decoded strings re-encode to the bytes they came from. Invalid UTF-8 decodes to U+FFFD, which re-encodes
 * as three bytes: such a frame cannot round-trip byte for byte (and may even grow past a u16 length), so the
 * round-trip properties skip it.
 */
final class Lossless
{
    private static final char REPLACEMENT = '\uFFFD';

    private Lossless()
    {
    }

    static boolean strings(final RpcFrame frame)
    {
        return string(frame.method()) && strings(frame.header());
    }

    static boolean strings(final TTHeader header)
    {
        if (!string(header.aclToken()))
        {
            return false;
        }
        for (final var entry : header.stringInfo().entrySet())
        {
            if (!string(entry.getKey()) || !string(entry.getValue()))
            {
                return false;
            }
        }
        for (final String value : header.intInfo().values())
        {
            if (!string(value))
            {
                return false;
            }
        }
        return true;
    }

    static boolean string(final String value)
    {
        return value == null || value.indexOf(REPLACEMENT) < 0;
    }
}
