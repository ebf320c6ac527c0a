package io.shmipc.transport;

import io.shmipc.transport.codec.ApplicationExceptionCodec;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.FrameHead;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.StringInfoKeys;
import io.shmipc.transport.codec.TTHeader;
import io.shmipc.transport.codec.TTHeaderDescriptor;
import io.shmipc.transport.codec.ThriftMessageType;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.RpcMessage;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransPipeline;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The server role, the same for every transport: each call is handed to the executor (or served where it was read,
 * when the handler never blocks or the connection's transport has already handed reading on to another thread), the
 * {@link RpcHandler}'s answer (or exception) is written back in the request's framing with the same seq id. Replies go
 * out in the order handlers finish, so many calls on one connection proceed at once. Tracks in-flight calls so
 * shutdown can drain, and during the drain asks clients to reset their connections ({@code crrst}).
 */
final class ServerTransHandler extends RpcTransHandler
{
    private static final System.Logger LOG = System.getLogger(ServerTransHandler.class.getName());

    /** Kitex sets the key to "1"; clients look only at its presence. */
    private static final String CONNECTION_RESET_VALUE = "1";
    /** What a control frame carries, as Kitex's: seq id 0 (never a call's), method "none", an empty struct. */
    private static final int CONTROL_SEQ_ID = 0;
    private static final String CONTROL_METHOD = "none";
    private static final byte[] EMPTY_STRUCT = {0};
    private static final DirectBuffer NO_BODY = new UnsafeBuffer(new byte[0]);

    private final RpcHandler handler;
    private final AsyncRpcHandler asyncHandler;
    private final Executor executor;
    private final boolean serveWhereRead;
    private final TransportMetrics metrics;
    private final AtomicInteger inFlight;
    private final ReplyHeads replyHeads = new ReplyHeads();
    private volatile TransHandler pipeline = this;
    /** No outbound handler sees replies: a plain one is written from its method's head without building its frame. */
    private volatile boolean writesDirect = true;
    /**
     * Open connections whose client multiplexes (its TTHeader requests say replies may come out of order, as a Kitex
     * mux client's do): such a client honours {@code crrst} only in a control frame, not on replies.
     */
    private final Set<Connection> multiplexingClients = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    /** {@link System#nanoTime()} of the drain's start or of the last call that arrived during it. */
    private volatile long lastDrainCallNanos;

    /**
     * @param handler        serves calls, or {@code null} when {@code asyncHandler} does.
     * @param asyncHandler   answers calls later, or {@code null} when {@code handler} serves them.
     * @param serveWhereRead the handler never blocks: serve every call on the thread that read it.
     */
    ServerTransHandler(final RpcHandler handler, final AsyncRpcHandler asyncHandler, final Executor executor,
        final boolean serveWhereRead, final int maxFrameSize, final TransportMetrics metrics)
    {
        super(maxFrameSize);
        if ((handler == null) == (asyncHandler == null))
        {
            throw new IllegalArgumentException("a server has exactly one handler, plain or asynchronous");
        }
        this.handler = handler;
        this.asyncHandler = asyncHandler;
        this.executor = executor;
        this.serveWhereRead = serveWhereRead;
        this.metrics = metrics;
        this.inFlight = metrics.inFlightCounter();
    }

    /**
     * @param pipeline the pipeline wrapping this handler, through which replies are written.
     */
    void pipeline(final TransHandler pipeline)
    {
        this.pipeline = pipeline;
        this.writesDirect = !(pipeline instanceof TransPipeline withHandlers) || !withHandlers.hasOutboundHandlers();
    }

    /**
     * Begin a graceful drain: calls keep being served, and every reply from now on carries the string info key
     * {@code crrst} (Kitex's "connection ready to reset"), so clients stop sending new calls on their connection,
     * let the calls on it finish and close it.
     */
    void beginDrain()
    {
        lastDrainCallNanos = System.nanoTime();
        draining = true;
        for (final Connection connection : multiplexingClients)
        {
            if (connection.isActive())
            {
                sendResetControlFrame(connection);
            }
        }
    }

    /**
     * Tell a multiplexing client to stop putting calls on {@code connection}: a frame with seq id 0 (Kitex's control
     * frame) carrying {@code crrst}. Its calls in flight still get their replies; the drain closes the connection.
     */
    private void sendResetControlFrame(final Connection connection)
    {
        final RpcFrame control = new RpcFrame()
            .format(FrameFormat.TTHEADER)
            .messageType(ThriftMessageType.REPLY)
            .method(CONTROL_METHOD)
            .seqId(CONTROL_SEQ_ID)
            .body(new UnsafeBuffer(EMPTY_STRUCT), 0, EMPTY_STRUCT.length);
        control.header().flags(TTHeaderDescriptor.FLAG_OUT_OF_ORDER);
        control.header().stringInfo().put(StringInfoKeys.CONNECTION_RESET, CONNECTION_RESET_VALUE);
        pipeline.write(connection, new RpcMessage(control, connection.callInfo(), null)).whenComplete((v, ex) ->
        {
            if (ex != null)
            {
                LOG.log(DEBUG, "reset control frame not sent to {0}: {1}", connection.remoteAddress(), ex.toString());
            }
        });
    }

    /**
     * @param quietNanos how long no call must have arrived.
     * @return whether no call is in flight and none arrived in the last {@code quietNanos} of the drain.
     */
    boolean isQuiet(final long quietNanos)
    {
        return inFlight.get() == 0 && System.nanoTime() - lastDrainCallNanos >= quietNanos;
    }

    @Override
    public void onActive(final Connection connection)
    {
        LOG.log(DEBUG, "accepted {0} connection from {1}", connection.kind(), connection.remoteAddress());
    }

    @Override
    public void onInactive(final Connection connection)
    {
        multiplexingClients.remove(connection);
        LOG.log(DEBUG, "{0} connection from {1} closed", connection.kind(), connection.remoteAddress());
    }

    @Override
    public void onError(final Connection connection, final Throwable cause)
    {
        if (cause instanceof MalformedFrameException)
        {
            metrics.recordMalformedFrame();
            LOG.log(WARNING, "closing {0} connection from {1}: {2}", connection.kind(), connection.remoteAddress(),
                cause.getMessage());
        }
        else if (cause instanceof FrameTimeoutException)
        {
            metrics.recordStalledFrame();
            LOG.log(WARNING, "closing {0} connection from {1}, stalled mid-frame: {2}", connection.kind(),
                connection.remoteAddress(), cause.getMessage());
        }
        else if (cause instanceof IOException)
        {
            LOG.log(DEBUG, "closing {0} connection from {1}: {2}", connection.kind(), connection.remoteAddress(),
                cause.toString());
        }
        else
        {
            LOG.log(WARNING, "closing " + connection.kind() + " connection from " + connection.remoteAddress(), cause);
        }
        connection.close();
    }

    @Override
    public void onMessage(final Connection connection, final RpcMessage message)
    {
        final ThriftMessageType type = message.frame().messageType();
        if (type != ThriftMessageType.CALL && type != ThriftMessageType.ONEWAY)
        {
            message.release();
            onError(connection, new MalformedFrameException(MalformedFrameException.Reason.BAD_THRIFT_MESSAGE,
                "a server accepts CALL and ONEWAY messages, got " + type));
            return;
        }
        metrics.recordCall(connection.kind());
        inFlight.incrementAndGet();
        if ((message.frame().header().flags() & TTHeaderDescriptor.FLAG_OUT_OF_ORDER) != 0 &&
            !multiplexingClients.contains(connection) && multiplexingClients.add(connection) && draining)
        {
            // First seen during the drain (which told the others as it began).
            sendResetControlFrame(connection);
        }
        if (draining)
        {
            lastDrainCallNanos = System.nanoTime();
        }
        if (serveWhereRead || connection.servesOnReadingThread())
        {
            serve(connection, message);
            return;
        }
        try
        {
            executor.execute(() -> serve(connection, message));
        }
        catch (final RejectedExecutionException ex)
        {
            replyException(connection, message, ApplicationExceptionCodec.INTERNAL_ERROR,
                "server executor rejected the call: " + ex.getMessage());
            finish(message);
        }
    }

    /**
     * Serve a call with the handler. A plain handler's answer is written at once; an {@link AsyncRpcHandler}'s when
     * its stage completes, by the completing thread, the call staying in flight and its request frame (which the
     * payload points into) unreleased until then.
     */
    private void serve(final Connection connection, final RpcMessage message)
    {
        final RpcFrame request = message.frame();
        final RequestContext context = new RequestContext(request.seqId(), request.method(), request.format(),
            request.header(), message.callInfo());
        final UnsafeBuffer payload = new UnsafeBuffer(request.body(), request.bodyOffset(), request.bodyLength());
        if (asyncHandler == null)
        {
            DirectBuffer response = null;
            Throwable failure = null;
            try
            {
                response = handler.handle(context, payload);
            }
            catch (final Exception | LinkageError | AssertionError ex)
            {
                failure = ex;
            }
            answer(connection, message, context, response, failure);
            return;
        }
        final CompletionStage<DirectBuffer> later;
        try
        {
            later = asyncHandler.handle(context, payload);
            if (later == null)
            {
                throw new IllegalStateException("the asynchronous handler returned no stage");
            }
        }
        catch (final Exception | LinkageError | AssertionError ex)
        {
            answer(connection, message, context, null, ex);
            return;
        }
        later.whenComplete((response, error) -> answer(connection, message, context, response,
            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error));
    }

    /**
     * Write a served call's reply (or, when {@code failure} is set, why the handler failed), then end the call.
     */
    private void answer(final Connection connection, final RpcMessage message, final RequestContext context,
        final DirectBuffer response, final Throwable failure)
    {
        try
        {
            if (failure != null)
            {
                replyFailure(connection, message, failure);
            }
            else if (message.frame().messageType() == ThriftMessageType.CALL)
            {
                reply(connection, message, ThriftMessageType.REPLY, context.responseHeaderOrNull(), response);
            }
        }
        finally
        {
            finish(message);
        }
    }

    /** Answer a call whose handler failed: with the type and text it chose, or as an internal error. */
    private void replyFailure(final Connection connection, final RpcMessage message, final Throwable failure)
    {
        if (failure instanceof RemoteApplicationException remote)
        {
            // The handler chose the exception type and text itself (a proxy relaying why a call failed).
            replyException(connection, message, remote.type(), remote.getMessage());
            return;
        }
        final RpcFrame request = message.frame();
        LOG.log(DEBUG, "handler failed call ''{0}'' seq {1}: {2}", request.method(), request.seqId(), failure);
        replyException(connection, message, ApplicationExceptionCodec.INTERNAL_ERROR, failure.toString());
    }

    private void finish(final RpcMessage message)
    {
        message.release();
        inFlight.decrementAndGet();
    }

    private void replyException(
        final Connection connection,
        final RpcMessage request,
        final int type,
        final String text)
    {
        if (request.frame().messageType() == ThriftMessageType.ONEWAY)
        {
            return;
        }
        final UnsafeBuffer body = new UnsafeBuffer(new byte[ApplicationExceptionCodec.encodedLength(text)]);
        ApplicationExceptionCodec.encode(body, 0, type, text);
        reply(connection, request, ThriftMessageType.EXCEPTION, null, body);
    }

    private void reply(
        final Connection connection,
        final RpcMessage request,
        final ThriftMessageType type,
        final TTHeader responseHeader,
        final DirectBuffer body)
    {
        final RpcFrame in = request.frame();
        final boolean plain = !draining && (responseHeader == null ||
            (responseHeader.stringInfoView().isEmpty() && responseHeader.intInfoView().isEmpty()));
        // A plain reply, as nearly all are: its head is the last one of its method's with another seq id.
        final FrameHead head = plain ? replyHeads.headFor(in.format(), type, in.method(), in.header().flags()) : null;
        final DirectBuffer replyBody = body != null ? body : NO_BODY;
        if (head != null && writesDirect && head.fits(replyBody.capacity()))
        {
            final HeadFrameWriter writer = new HeadFrameWriter(head, in.seqId(), replyBody, 0, replyBody.capacity());
            afterWrite(connection, in, connection.writeFrame(writer.frameLength(), writer));
            return;
        }
        final RpcFrame out = new RpcFrame()
            .format(in.format())
            .messageType(type)
            .method(in.method())
            .seqId(in.seqId());
        out.header().flags(in.header().flags());
        if (responseHeader != null)
        {
            if (!responseHeader.stringInfoView().isEmpty())
            {
                out.header().stringInfo().putAll(responseHeader.stringInfoView());
            }
            if (!responseHeader.intInfoView().isEmpty())
            {
                out.header().intInfo().putAll(responseHeader.intInfoView());
            }
        }
        if (draining)
        {
            out.header().stringInfo().put(StringInfoKeys.CONNECTION_RESET, CONNECTION_RESET_VALUE);
        }
        out.head(head).body(replyBody, 0, replyBody.capacity());
        afterWrite(connection, in, pipeline.write(connection, new RpcMessage(out, request.callInfo(), null)));
    }

    private static void afterWrite(final Connection connection, final RpcFrame request,
        final CompletableFuture<Void> written)
    {
        if (written.isDone() && !written.isCompletedExceptionally())
        {
            return;
        }
        written.whenComplete((v, ex) ->
        {
            if (ex != null)
            {
                LOG.log(DEBUG, "reply to ''{0}'' seq {1} not sent to {2}: {3}", request.method(), request.seqId(),
                    connection.remoteAddress(), ex.toString());
            }
        });
    }
}
