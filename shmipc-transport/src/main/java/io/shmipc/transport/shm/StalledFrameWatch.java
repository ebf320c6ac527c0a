package io.shmipc.transport.shm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Event-driven connections have no thread waiting out a frame: one timer per server or dialer checks them all for a
 * frame left incomplete longer than the frame read timeout ({@link ShmConnection#closeIfStalled}). The timer thread
 * starts with the first connection watched.
 */
final class StalledFrameWatch implements AutoCloseable
{
    private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Set<ShmConnection> connections = ConcurrentHashMap.newKeySet();
    private final String threadName;
    private final long periodNanos;
    private ScheduledExecutorService timer;
    private boolean closed;

    /**
     * @param threadName            the timer thread's name.
     * @param frameReadTimeoutNanos the timeout the connections apply: checked four times per timeout.
     */
    StalledFrameWatch(final String threadName, final long frameReadTimeoutNanos)
    {
        this.threadName = threadName;
        this.periodNanos = Math.max(MIN_PERIOD_NANOS, frameReadTimeoutNanos / 4);
    }

    /**
     * Watch {@code connection} until it closes.
     */
    void watch(final ShmConnection connection)
    {
        if (!startTimer())
        {
            return;
        }
        connections.add(connection);
        connection.closeFuture().whenComplete((v, e) -> connections.remove(connection));
    }

    private synchronized boolean startTimer()
    {
        if (closed)
        {
            return false;
        }
        if (timer == null)
        {
            timer = Executors.newSingleThreadScheduledExecutor(runnable ->
            {
                final Thread thread = new Thread(runnable, threadName);
                thread.setDaemon(true);
                return thread;
            });
            timer.scheduleWithFixedDelay(this::check, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private void check()
    {
        final long now = System.nanoTime();
        for (final ShmConnection connection : connections)
        {
            connection.closeIfStalled(now);
        }
    }

    /**
     * Stop the timer; connections watched are not closed. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        closed = true;
        if (timer != null)
        {
            timer.shutdownNow();
            timer = null;
        }
        connections.clear();
    }
}
