package io.shmipc.bench.spi;

import org.agrona.DirectBuffer;

/**
 * Reads a received payload in place; must not keep a reference to the buffer after returning.
 */
@FunctionalInterface
public interface PayloadReader
{
    /**
     * @param buffer the transport's buffer.
     * @param offset where the payload starts.
     * @param length payload length in bytes.
     */
    void read(DirectBuffer buffer, int offset, int length);
}
