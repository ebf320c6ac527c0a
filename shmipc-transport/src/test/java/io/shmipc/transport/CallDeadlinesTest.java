package io.shmipc.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweeps that fail asynchronous calls past their deadline, on a real timer: which calls they fail and when,
 * how often they run, and that they stop when nothing is pending.
 */
@Timeout(30)
class CallDeadlinesTest
{
    private static final long WAIT_SECONDS = 10;

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final List<PendingCall<?>> pending = new CopyOnWriteArrayList<>();
    private final CallDeadlines deadlines = new CallDeadlines(timer, action -> pending.forEach(action),
        call -> call.fail(new CallTimeoutException(call.describe() + " expired")));
    private int seqIds;

    @AfterEach
    void stopTimer()
    {
        timer.shutdownNow();
    }

    @Test
    void shouldFailAnAsynchronousCallNoSoonerThanItsDeadlineAndLeaveBlockingOnesToTheirCallers() throws Exception
    {
        final PendingCall<Void> blocking = pendingCall(Duration.ofMillis(30), Thread.currentThread());
        final PendingCall<Void> async = pendingCall(Duration.ofMillis(30), null);
        deadlines.watch(async);

        final ExecutionException failure =
            assertThrows(ExecutionException.class, () -> async.future().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(CallTimeoutException.class, failure.getCause());
        assertTrue(System.nanoTime() - async.deadlineNanos() >= 0, "not before its deadline");
        Thread.sleep(50);
        assertFalse(blocking.isDone(), "a blocking call's caller keeps its deadline itself");
    }

    @Test
    void shouldStopSweepingOnceNoAsynchronousCallIsPending() throws Exception
    {
        pendingCall(Duration.ofMillis(1), Thread.currentThread());
        final PendingCall<Void> answered = pendingCall(Duration.ofSeconds(WAIT_SECONDS), null);
        final PendingCall<Void> expiring = pendingCall(Duration.ofMillis(10), null);
        deadlines.watch(answered);
        deadlines.watch(expiring);
        assertFalse(timer.getQueue().isEmpty(), "sweeps are scheduled");
        answered.fail(new RuntimeException("answered"));

        assertThrows(ExecutionException.class, () -> expiring.future().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(awaitEmptyTimer(), "no sweep scheduled once only a blocking call is left: " + timer.getQueue());

        final PendingCall<Void> later = pendingCall(Duration.ofMillis(10), null);
        deadlines.watch(later);
        assertThrows(ExecutionException.class, () -> later.future().get(WAIT_SECONDS, TimeUnit.SECONDS),
            "sweeps start again for a new call");
    }

    @Test
    void shouldSweepAtATenthOfTheShortestTimeoutFromTheFirstCallThatHasIt() throws Exception
    {
        final PendingCall<Void> patient = pendingCall(Duration.ofSeconds(WAIT_SECONDS), null);
        deadlines.watch(patient);
        assertTrue(shortestDelayMillis() > CallDeadlines.MIN_INTERVAL_MILLIS &&
            shortestDelayMillis() <= CallDeadlines.MAX_INTERVAL_MILLIS, "a long timeout sweeps at the longest interval");

        final PendingCall<Void> hasty = pendingCall(Duration.ofMillis(5), null);
        deadlines.watch(hasty);
        assertTrue(shortestDelayMillis() <= CallDeadlines.MIN_INTERVAL_MILLIS,
            "a shorter timeout gets a sweep at its own interval at once, not after the longer one");

        assertThrows(ExecutionException.class, () -> hasty.future().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(patient.isDone(), "the long call is left alone");
    }

    private PendingCall<Void> pendingCall(final Duration timeout, final Thread waitingCaller)
    {
        final PendingCall<Void> call = new PendingCall<>(++seqIds, "m", response -> null, waitingCaller, timeout,
            System.nanoTime(), (ended, error) -> pending.remove(ended));
        pending.add(call);
        return call;
    }

    private long shortestDelayMillis()
    {
        return timer.getQueue().stream()
            .mapToLong(task -> ((Delayed)task).getDelay(TimeUnit.MILLISECONDS))
            .min()
            .orElse(Long.MAX_VALUE);
    }

    private boolean awaitEmptyTimer() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!timer.getQueue().isEmpty() && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(5);
        }
        return timer.getQueue().isEmpty();
    }
}
