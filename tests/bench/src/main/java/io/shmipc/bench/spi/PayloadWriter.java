package io.shmipc.bench.spi;

import org.agrona.MutableDirectBuffer;

/**
 * Writes a payload in place, into whatever buffer the transport sends from.
 */
@FunctionalInterface
public interface PayloadWriter
{
    /**
     * @param buffer the transport's buffer.
     * @param offset where the payload starts.
     * @param length how many bytes to write.
     */
    void write(MutableDirectBuffer buffer, int offset, int length);
}
