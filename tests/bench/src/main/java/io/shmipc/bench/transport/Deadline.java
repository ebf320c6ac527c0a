package io.shmipc.bench.transport;

import java.util.concurrent.TimeoutException;

/**
 * Bounds a polling loop in time without reading the clock on every turn.
 */
final class Deadline
{
    /** Turns between clock reads: keeps {@code nanoTime} off the fast path of a spin loop. */
    private static final int CHECK_MASK = 0x3FF;

    private final long timeoutNanos;
    private long deadlineNanos;
    private int turns;

    Deadline(final long timeoutNanos)
    {
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Starts a new wait.
     */
    void start()
    {
        turns = 0;
        deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    /**
     * Counts one idle turn of the loop.
     *
     * @param what names the wait in the timeout message.
     * @throws TimeoutException once the wait has lasted longer than the timeout.
     */
    void check(final String what) throws TimeoutException
    {
        if ((++turns & CHECK_MASK) == 0 && System.nanoTime() - deadlineNanos > 0)
        {
            throw new TimeoutException(what + " timed out after " + timeoutNanos / 1_000_000 + " ms");
        }
    }
}
