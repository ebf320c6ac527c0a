package io.shmipc.bench.spi;

import io.shmipc.bench.WaitMode;

/**
 * What a transport's server or client must be set up for.
 *
 * @param waitMode     how to wait for data where the transport has a choice (ring buffers, shared memory);
 *                     blocking-socket transports ignore it.
 * @param maxPayload   the largest payload that will be sent, in bytes; size buffers and rings from it.
 * @param streams      how many independent streams the client opens (1 for pingpong, 32 for throughput).
 * @param timeoutNanos the most any single send or receive may wait before failing with a timeout.
 */
public record TransportSettings(WaitMode waitMode, int maxPayload, int streams, long timeoutNanos)
{
}
