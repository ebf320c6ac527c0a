package io.shmipc.sidecar;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * How many calls one direction of the bridge relays at once ({@code --workers}); more wait in line, in arrival order,
 * without holding a thread. A permit is taken with {@link #acquire()} and handed straight to the next waiter by
 * {@link #release()}. The lock is held for a counter update only; relaying is I/O-bound, and with fewer calls than
 * permits nothing ever waits.
 */
final class RelayLimit
{
    private static final CompletableFuture<Void> GRANTED = CompletableFuture.completedFuture(null);

    private final int permits;
    private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int inUse;

    /**
     * @param permits calls relayed at once, at least 1.
     */
    RelayLimit(final int permits)
    {
        if (permits < 1)
        {
            throw new IllegalArgumentException("a relay limit needs at least 1 permit, got " + permits);
        }
        this.permits = permits;
    }

    /**
     * @return completes (at once when a permit is free) when the caller holds a permit, which it must
     * {@link #release()} exactly once.
     */
    CompletableFuture<Void> acquire()
    {
        synchronized (waiting)
        {
            if (inUse < permits)
            {
                inUse++;
                return GRANTED;
            }
            final CompletableFuture<Void> turn = new CompletableFuture<>();
            waiting.add(turn);
            return turn;
        }
    }

    /**
     * Give a permit back: to the longest waiting call, if any.
     */
    void release()
    {
        final CompletableFuture<Void> next;
        synchronized (waiting)
        {
            next = waiting.poll();
            if (next == null)
            {
                inUse--;
                return;
            }
        }
        // Outside the lock: the next call starts relaying on this thread.
        next.complete(null);
    }

    /**
     * @return calls waiting for a permit now.
     */
    int waiting()
    {
        synchronized (waiting)
        {
            return waiting.size();
        }
    }
}
