package io.shmipc.transport;

import io.shmipc.transport.codec.ApplicationExceptionCodec;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.ThriftMessageType;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.RpcMessage;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * A call waiting for its reply: the caller's future, how to decode the reply, and where the call went.
 */
final class PendingCall<T>
{
    private final int seqId;
    private final String method;
    private final ResponseDecoder<T> decoder;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile Connection connection;
    private volatile CallInfo callInfo;
    private volatile ScheduledFuture<?> deadline;

    PendingCall(final int seqId, final String method, final ResponseDecoder<T> decoder)
    {
        this.seqId = seqId;
        this.method = method;
        this.decoder = decoder;
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
                final Response response = new Response(seqId, frame.method(), frame.header().stringInfo(),
                    frame.header().intInfo(), new UnsafeBuffer(frame.body(), frame.bodyOffset(), frame.bodyLength()),
                    callInfo);
                result.complete(decoder.decode(response));
            }
            else if (frame.messageType() == ThriftMessageType.EXCEPTION)
            {
                final ApplicationExceptionCodec.Decoded ex =
                    ApplicationExceptionCodec.decode(frame.body(), frame.bodyOffset(), frame.bodyLength());
                result.completeExceptionally(new RemoteApplicationException(ex.type(),
                    "server failed " + describe() + ": " + ex.message()));
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
