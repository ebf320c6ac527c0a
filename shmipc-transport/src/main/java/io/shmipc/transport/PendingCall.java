package io.shmipc.transport;

import io.shmipc.transport.codec.ApplicationExceptionCodec;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.ThriftMessageType;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.RpcMessage;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A call waiting for its reply: how to decode it, where the call went, and its outcome, settled once by whoever gets
 * there first (the reply, a closed connection, the deadline, a cancellation). A blocking caller waits on the call
 * itself, usually by reading its own reply ({@link #getAsBoolean()} tells the reading loop when to stop); an
 * asynchronous caller gets a {@link CompletableFuture}, created only for it.
 */
final class PendingCall<T> implements BooleanSupplier
{
    /**
     * What the client does once a call is over, whatever ended it.
     */
    @FunctionalInterface
    interface EndListener
    {
        /**
         * @param error why the call failed, or {@code null} when it completed.
         */
        void callEnded(PendingCall<?> call, Throwable error);
    }

    /** The outcome of a call whose decoder returned {@code null}. */
    private static final Object NULL_VALUE = new Object();
    private static final VarHandle OUTCOME;

    static
    {
        try
        {
            OUTCOME = MethodHandles.lookup().findVarHandle(PendingCall.class, "outcome", Object.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int seqId;
    private final String method;
    private final ResponseDecoder<T> decoder;
    private final EndListener endListener;
    /** The asynchronous caller's future; {@code null} for a blocking call. */
    private final CompletableFuture<T> future;
    /** {@code null} until settled: then the value ({@link #NULL_VALUE} for null) or a {@link Failure}. */
    private volatile Object outcome;
    private volatile Connection connection;
    private volatile CallInfo callInfo;
    private volatile ScheduledFuture<?> deadline;
    private final Thread waitingCaller;
    private final Duration timeout;
    private final long timeoutNanos;
    private final long deadlineNanos;
    private volatile boolean callerReads;

    /**
     * @param waitingCaller the thread that will wait for the result (a blocking call), or {@code null} for an
     *                      asynchronous call, which gets a future.
     * @param timeout       how long the call may take.
     * @param startNanos    {@link System#nanoTime()} when the call began.
     * @param endListener   told once when the call is over.
     */
    PendingCall(final int seqId, final String method, final ResponseDecoder<T> decoder, final Thread waitingCaller,
        final Duration timeout, final long startNanos, final EndListener endListener)
    {
        this.seqId = seqId;
        this.method = method;
        this.decoder = decoder;
        this.waitingCaller = waitingCaller;
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.deadlineNanos = startNanos + timeoutNanos;
        this.endListener = endListener;
        if (waitingCaller == null)
        {
            future = new CallFuture<>(this);
            // A future cancelled (or completed) by its holder ends the call.
            future.whenComplete((value, error) ->
            {
                if (error != null)
                {
                    fail(error);
                }
            });
        }
        else
        {
            future = null;
        }
    }

    Duration timeout()
    {
        return timeout;
    }

    long timeoutNanos()
    {
        return timeoutNanos;
    }

    long deadlineNanos()
    {
        return deadlineNanos;
    }

    /**
     * The call is about to be written, by the thread calling this.
     *
     * @return {@code false} when the call ended before it could be sent (it must not be).
     */
    boolean start()
    {
        // The caller reads its own reply only when it is the thread sending now: it then goes on to wait. Not on a
        // fork-join pool's thread, whose wait must be declared to the pool (RpcClient.awaitOutcome): the reply is
        // then delivered where it is read.
        final Thread current = Thread.currentThread();
        callerReads = current == waitingCaller && !(current instanceof ForkJoinWorkerThread);
        return outcome == null;
    }

    /**
     * @return the thread that waits for this call's outcome, or {@code null} for an asynchronous call.
     */
    Thread waitingCaller()
    {
        return waitingCaller;
    }

    /**
     * @return whether the waiting caller's thread sent the call and should read the reply itself.
     */
    boolean callerReads()
    {
        return callerReads;
    }

    int seqId()
    {
        return seqId;
    }

    /**
     * @return the asynchronous caller's future; {@code null} for a blocking call.
     */
    CompletableFuture<T> future()
    {
        return future;
    }

    /**
     * @return whether the call is over.
     */
    boolean isDone()
    {
        return outcome != null;
    }

    /**
     * @return whether the call is over: what a caller reading its own reply waits for.
     */
    @Override
    public boolean getAsBoolean()
    {
        return isDone();
    }

    /**
     * @return the call's value, once it is over.
     * @throws Throwable why it failed (unwrapped by the caller).
     */
    @SuppressWarnings("unchecked")
    T value() throws Throwable
    {
        final Object settled = outcome;
        if (settled instanceof Failure failure)
        {
            throw failure.cause;
        }
        if (settled == null)
        {
            throw new IllegalStateException(describe() + " is not over");
        }
        return settled == NULL_VALUE ? null : (T)settled;
    }

    Connection connection()
    {
        return connection;
    }

    void bind(final Connection connection, final CallInfo callInfo)
    {
        this.callInfo = callInfo;
        this.connection = connection;
    }

    void deadline(final ScheduledFuture<?> deadline)
    {
        this.deadline = deadline;
    }

    void cancelDeadline()
    {
        final ScheduledFuture<?> deadline = this.deadline;
        if (deadline != null)
        {
            deadline.cancel(false);
        }
    }

    /**
     * @return what this call is, for messages: method, seq id and destination if known.
     */
    String describe()
    {
        final CallInfo info = callInfo;
        return "call '" + method + "' seq " + seqId + (info != null ? " to " + info : "");
    }

    /**
     * @return {@code false} when the call was already over.
     */
    boolean fail(final Throwable cause)
    {
        return settle(new Failure(cause));
    }

    @SuppressWarnings("unchecked")
    private boolean settle(final Object settled)
    {
        if (!OUTCOME.compareAndSet(this, null, settled))
        {
            return false;
        }
        final Throwable error = settled instanceof Failure failure ? failure.cause : null;
        endListener.callEnded(this, error);
        if (future != null)
        {
            if (error != null)
            {
                future.completeExceptionally(error);
            }
            else
            {
                future.complete(settled == NULL_VALUE ? null : (T)settled);
            }
        }
        else if (Thread.currentThread() != waitingCaller)
        {
            LockSupport.unpark(waitingCaller);
        }
        return true;
    }

    /**
     * Complete the call with its reply and release the reply's memory.
     */
    void complete(final RpcMessage reply)
    {
        try
        {
            final RpcFrame frame = reply.frame();
            if (frame.messageType() == ThriftMessageType.REPLY)
            {
                final Response response = new Response(seqId, frame.method(), frame.header().stringInfoView(),
                    frame.header().intInfoView(), new UnsafeBuffer(frame.body(), frame.bodyOffset(), frame.bodyLength()),
                    callInfo);
                final T value = decoder.decode(response);
                settle(value == null ? NULL_VALUE : value);
            }
            else if (frame.messageType() == ThriftMessageType.EXCEPTION)
            {
                final ApplicationExceptionCodec.Decoded ex =
                    ApplicationExceptionCodec.decode(frame.body(), frame.bodyOffset(), frame.bodyLength());
                fail(new RemoteApplicationException(ex.type(),
                    "server failed " + describe() + ": " + ex.message(), ex.message()));
            }
            else
            {
                fail(new RpcException("server answered " + describe() + " with a " +
                    frame.messageType() + " message"));
            }
        }
        catch (final RuntimeException ex)
        {
            fail(ex);
        }
        finally
        {
            reply.release();
        }
    }

    /**
     * How a call failed, as its outcome.
     */
    private record Failure(Throwable cause)
    {
    }
}
