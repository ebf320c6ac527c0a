package io.shmipc.transport;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Fails asynchronous calls whose deadline passed, by sweeping the pending calls every few milliseconds while any
 * asynchronous call is pending, instead of a timer task per call: scheduling and cancelling a task takes the timer's
 * lock and may wake its thread, which under load cost more than the call itself. A call registered and sent costs
 * one volatile read here.
 * <p>
 * A call fails at most one sweep interval after its deadline. The interval is a tenth of the shortest timeout seen,
 * kept between {@value #MIN_INTERVAL_MILLIS} and {@value #MAX_INTERVAL_MILLIS} ms; a call with a shorter timeout
 * than any before starts a sweep chain at its own interval at once. With no asynchronous call pending, no sweep is
 * scheduled at all: an idle client's timer thread sleeps.
 * <p>
 * Blocking calls keep their own deadline (the waiting caller checks it); calls still waiting for a connection have a
 * timer task of their own, and are swept like the others once sent.
 */
final class CallDeadlines
{
    static final long MIN_INTERVAL_MILLIS = 1;
    static final long MAX_INTERVAL_MILLIS = 20;
    private static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(MIN_INTERVAL_MILLIS);
    private static final long MAX_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(MAX_INTERVAL_MILLIS);
    /** The chain of sweeps now running, or {@link #IDLE}: a sweep of an older chain ends it. */
    private static final long IDLE = 0;

    private final ScheduledExecutorService timer;
    private final Consumer<Consumer<PendingCall<?>>> pendingCalls;
    private final Consumer<PendingCall<?>> expire;
    private final AtomicLong runningChain = new AtomicLong(IDLE);
    private final AtomicLong chains = new AtomicLong();
    private volatile long intervalNanos = MAX_INTERVAL_NANOS;

    /**
     * @param timer        runs the sweeps.
     * @param pendingCalls visits every call pending a reply.
     * @param expire       fails a call whose deadline passed.
     */
    CallDeadlines(final ScheduledExecutorService timer, final Consumer<Consumer<PendingCall<?>>> pendingCalls,
        final Consumer<PendingCall<?>> expire)
    {
        this.timer = timer;
        this.pendingCalls = pendingCalls;
        this.expire = expire;
    }

    /**
     * An asynchronous call is now among the pending calls: make sure sweeps run, often enough for its timeout.
     */
    void watch(final PendingCall<?> call)
    {
        final long wanted = Math.max(MIN_INTERVAL_NANOS, Math.min(MAX_INTERVAL_NANOS, call.timeoutNanos() / 10));
        if (wanted < intervalNanos)
        {
            shorten(wanted);
        }
        else if (runningChain.get() == IDLE)
        {
            startChain(IDLE);
        }
    }

    private synchronized void shorten(final long wanted)
    {
        if (wanted < intervalNanos)
        {
            intervalNanos = wanted;
            // A new chain at the new interval replaces whatever runs: the old one ends at its next sweep.
            startChain(runningChain.get());
        }
    }

    /** Starts a chain of sweeps if the running one is still {@code expected}. */
    private void startChain(final long expected)
    {
        final long chain = chains.incrementAndGet();
        if (runningChain.compareAndSet(expected, chain))
        {
            schedule(chain);
        }
    }

    private void schedule(final long chain)
    {
        try
        {
            timer.schedule(() -> sweep(chain), intervalNanos, TimeUnit.NANOSECONDS);
        }
        catch (final RejectedExecutionException ex)
        {
            // The client is closing: its close fails every pending call.
            runningChain.compareAndSet(chain, IDLE);
        }
    }

    private void sweep(final long chain)
    {
        if (runningChain.get() != chain)
        {
            return;
        }
        if (expireAndFindPending())
        {
            schedule(chain);
            return;
        }
        runningChain.compareAndSet(chain, IDLE);
        // A call registered during the sweep may have seen this chain still running and left the sweeping to it.
        if (expireAndFindPending())
        {
            startChain(IDLE);
        }
    }

    /**
     * Fails every asynchronous call whose deadline passed.
     *
     * @return whether an asynchronous call is still pending.
     */
    private boolean expireAndFindPending()
    {
        final long now = System.nanoTime();
        final boolean[] pending = new boolean[1];
        pendingCalls.accept(call ->
        {
            if (call.future() == null || call.isDone())
            {
                return;
            }
            if (now - call.deadlineNanos() >= 0)
            {
                expire.accept(call);
            }
            else
            {
                pending[0] = true;
            }
        });
        return pending[0];
    }
}
