package io.shmipc.transport;

import io.shmipc.transport.remote.Connection;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of an asynchronous call. A thread that waits on it ({@link #get}, {@link #join}) over shared memory
 * reads replies itself until this one is in, as a blocking call does, instead of parking until the session's
 * draining thread hands the reply over: on a busy host that hand-off (a park, an unpark, two context switches) costs
 * more than the call. Other replies it reads on the way complete their futures on this thread.
 * <p>
 * Stages derived from it are plain {@link CompletableFuture}s.
 *
 * @param <T> what the reply decodes to.
 */
final class CallFuture<T> extends CompletableFuture<T>
{
    private final PendingCall<T> call;

    CallFuture(final PendingCall<T> call)
    {
        this.call = call;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException
    {
        readReply(call.deadlineNanos(), call.deadlineNanos() - System.nanoTime());
        return super.get();
    }

    @Override
    public T get(final long timeout, final TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException
    {
        final long waitNanos = unit.toNanos(timeout);
        final long startNanos = System.nanoTime();
        final long readNanos = Math.min(waitNanos, call.deadlineNanos() - startNanos);
        readReply(startNanos + readNanos, readNanos);
        // The caller's own budget from here; the call's deadline is the client's to enforce, with its own exception.
        return super.get(Math.max(0, waitNanos - (System.nanoTime() - startNanos)), TimeUnit.NANOSECONDS);
    }

    @Override
    public T join()
    {
        readReply(call.deadlineNanos(), call.deadlineNanos() - System.nanoTime());
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture()
    {
        return new CompletableFuture<>();
    }

    /**
     * Reads the connection until the call is over or {@code deadlineNanos} passed, where this thread may: not on the
     * thread that delivers the session's replies (it would wait for itself), not on a fork-join pool's thread (whose
     * wait the pool must know of), and only on a transport whose caller can read (shared memory).
     */
    private void readReply(final long deadlineNanos, final long timeoutNanos)
    {
        if (isDone() || call.isDone() || timeoutNanos <= 0)
        {
            return;
        }
        final Connection connection = call.connection();
        final Thread current = Thread.currentThread();
        if (connection == null || current instanceof ForkJoinWorkerThread || connection.isReadBy(current))
        {
            return;
        }
        connection.readUntil(call, deadlineNanos, timeoutNanos);
    }
}
