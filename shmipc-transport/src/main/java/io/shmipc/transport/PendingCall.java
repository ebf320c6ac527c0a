package io.shmipc.transport;

import io.shmipc.transport.codec.ApplicationExceptionCodec;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.ThriftMessageType;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.RpcMessage;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A call waiting for its reply: the caller's future, how to decode the reply, and where the call went.
 */
final class PendingCall<T>
{
    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int ENDED = 2;

    private final int seqId;
    private final String method;
    private final ResponseDecoder<T> decoder;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile Connection connection;
    private volatile CallInfo callInfo;
    private volatile ScheduledFuture<?> deadline;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final Thread waitingCaller;
    private final Duration timeout;
    private final long timeoutNanos;
    private final long deadlineNanos;
    private volatile boolean callerReads;

    /**
     * @param waitingCaller the thread that will wait for the result (a blocking call), or {@code null}.
     * @param timeout       how long the call may take.
     * @param startNanos    {@link System#nanoTime()} when the call began.
     */
    PendingCall(final int seqId, final String method, final ResponseDecoder<T> decoder, final Thread waitingCaller,
        final Duration timeout, final long startNanos)
    {
        this.seqId = seqId;
        this.method = method;
        this.decoder = decoder;
        this.waitingCaller = waitingCaller;
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.deadlineNanos = startNanos + timeoutNanos;
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
     * Tell the connection a reply is due, unless the call already ended.
     *
     * @return {@code false} when the call ended before it could start (it must not be sent).
     */
    boolean start()
    {
        final Connection connection = this.connection;
        // The caller reads its own reply only when it is the thread sending now: it then goes on to wait.
        final boolean readsItself = Thread.currentThread() == waitingCaller;
        if (!state.compareAndSet(NEW, STARTED))
        {
            return false;
        }
        callerReads = readsItself;
        connection.callStarted(readsItself);
        return true;
    }

    /**
     * @return whether the waiting caller's thread sent the call and should read the reply itself.
     */
    boolean callerReads()
    {
        return callerReads;
    }

    /**
     * The call is over: tell the connection, once, if it was told the call started.
     */
    void end()
    {
        if (state.getAndSet(ENDED) == STARTED)
        {
            connection.callEnded();
        }
    }

    int seqId()
    {
        return seqId;
    }

    CompletableFuture<T> result()
    {
        return result;
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

    void fail(final Throwable cause)
    {
        result.completeExceptionally(cause);
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
                result.complete(decoder.decode(response));
            }
            else if (frame.messageType() == ThriftMessageType.EXCEPTION)
            {
                final ApplicationExceptionCodec.Decoded ex =
                    ApplicationExceptionCodec.decode(frame.body(), frame.bodyOffset(), frame.bodyLength());
                result.completeExceptionally(new RemoteApplicationException(ex.type(),
                    "server failed " + describe() + ": " + ex.message(), ex.message()));
            }
            else
            {
                result.completeExceptionally(new RpcException("server answered " + describe() + " with a " +
                    frame.messageType() + " message"));
            }
        }
        catch (final RuntimeException ex)
        {
            result.completeExceptionally(ex);
        }
        finally
        {
            reply.release();
        }
    }
}
