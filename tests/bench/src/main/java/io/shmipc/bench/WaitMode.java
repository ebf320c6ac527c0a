package io.shmipc.bench;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;

import java.util.Locale;

/**
 * How a polling transport waits for data. Blocking-socket transports ignore it.
 */
public enum WaitMode
{
    /** Busy-spin with {@code Thread.onSpinWait}: lowest latency, a whole core per waiting thread. */
    SPIN,
    /** Park for the shortest time the OS allows whenever idle: least CPU, a timer-slack latency per wait. */
    PARK,
    /** Each transport's own policy; for the polling peers here, spin for a while, then yield, then park. */
    DEFAULT;

    /** Spins before yielding in the default back-off: a few tens of microseconds, longer than a fast reply. */
    private static final long DEFAULT_MAX_SPINS = 20_000;
    private static final long DEFAULT_MAX_YIELDS = 50;
    private static final long DEFAULT_MIN_PARK_NANOS = 1_000;
    /** Longest park in the default back-off: bounds idle wake-ups to about a thousand a second. */
    private static final long DEFAULT_MAX_PARK_NANOS = 1_000_000;
    private static final long PARK_NANOS = 1_000;

    /**
     * @return the lower-case name used on the command line and in reports.
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return a new idle strategy for one waiting thread.
     */
    public IdleStrategy newIdleStrategy()
    {
        return switch (this)
        {
            case SPIN -> new BusySpinIdleStrategy();
            case PARK -> new SleepingIdleStrategy(PARK_NANOS);
            case DEFAULT -> new BackoffIdleStrategy(
                DEFAULT_MAX_SPINS, DEFAULT_MAX_YIELDS, DEFAULT_MIN_PARK_NANOS, DEFAULT_MAX_PARK_NANOS);
        };
    }

    /**
     * @param label a lower-case wait mode name.
     * @return the wait mode.
     * @throws IllegalArgumentException naming the valid choices when {@code label} is unknown.
     */
    public static WaitMode fromLabel(final String label)
    {
        for (final WaitMode mode : values())
        {
            if (mode.label().equals(label))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown wait mode '" + label + "' (spin|park|default)");
    }
}
