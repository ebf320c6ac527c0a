package io.shmipc.transport;

import io.shmipc.nativeio.Platform;
import io.shmipc.transport.codec.FrameHead;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.ThriftMessageType;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.ConnectionPool;
import io.shmipc.transport.remote.Dialer;
import io.shmipc.transport.remote.Endpoint;
import io.shmipc.transport.remote.RpcMessage;
import io.shmipc.transport.remote.TransPipeline;
import io.shmipc.transport.config.ShmSettings;
import io.shmipc.transport.shm.ShmDialer;
import io.shmipc.transport.tcp.TcpDialer;
import org.agrona.DirectBuffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes RPC calls over shared memory or TCP, chosen per connection by the options (see {@link EnvironmentSuite}).
 * Thread-safe; many calls may be in flight at once, on the same connection or spread over
 * {@link ClientOptions#connectionsPerAddress()} connections. One-way messages ({@link #send}) share the connections
 * and the deadlines of calls, and wait only until the connection has taken them.
 * <p>
 * Futures returned by the {@code callAsync} methods complete on a transport I/O thread (or the timer thread on a
 * timeout): over shared memory that is the thread draining the session's queue, which delivers every reply of the
 * session, or a thread waiting in {@code get} or {@code join} on one of its futures, which reads replies itself
 * (and completes those of other calls it reads on the way) rather than waiting to be handed its own. Stages attached without an executor must not block; a blocking {@link #call} made from such a stage over
 * the same session would wait for itself, and fails at once with an {@link RpcException} saying so. Cancelling a
 * future abandons the call; a reply that still arrives is dropped and counted in
 * {@link TransportMetrics#lateReplies()}.
 */
public final class RpcClient implements AutoCloseable
{
    private static final long CLOSE_POLL_MILLIS = 5;
    /** How often a call may go back to the pool because the connection it got was being retired meanwhile. */
    private static final int MAX_REROUTES = 2;

    private final ClientOptions options;
    private final TransportMetrics metrics = new TransportMetrics();
    private final ClientTransHandler handler;
    private final TransPipeline pipeline;
    /** No outbound handler sees calls: one whose head is known is written without building its frame. */
    private final boolean writesDirect;
    private final List<Dialer> dialers;
    private final ConnectionPool pool;
    private final TransportSelector selector;
    private final ConnectionRetirement retirement;
    private final ScheduledThreadPoolExecutor timer;
    private final CallDeadlines deadlines;
    private final AtomicInteger seqIds = new AtomicInteger();
    private final PendingCall.EndListener callEnded = this::callEnded;
    private volatile boolean closed;

    private RpcClient(final ClientOptions options)
    {
        this.options = options;
        this.handler = new ClientTransHandler(options.maxFrameSize(), metrics, this::resetRequested);
        this.pipeline = new TransPipeline(handler, options.inboundHandlers(), options.outboundHandlers());
        this.writesDirect = !pipeline.hasOutboundHandlers();
        final Map<TransportKind, Dialer> byKind = new EnumMap<>(TransportKind.class);
        byKind.putAll(options.dialers());
        if (!byKind.containsKey(TransportKind.TCP))
        {
            byKind.put(TransportKind.TCP,
                new TcpDialer(options.ioThreads(), options.nativeTransport(), options.maxFrameSize(),
                    options.frameReadTimeout()));
        }
        final ShmSettings shm = options.shmSettings();
        String shmUnavailable = null;
        if (shm.enabled() && !byKind.containsKey(TransportKind.SHM))
        {
            if (Platform.isSupported())
            {
                byKind.put(TransportKind.SHM,
                    new ShmDialer(options.shmSessionConfig(), shm.concurrency(), options.maxFrameSize(),
                        options.frameReadTimeout()));
            }
            else
            {
                shmUnavailable = TransportSelector.SHM_NOT_AVAILABLE + ": " + Platform.unsupportedReason();
            }
        }
        this.dialers = new ArrayList<>(byKind.values());
        // One stream per session at least, so that every one of SHMIPC_CONCURRENCY sessions carries calls.
        final Map<TransportKind, Integer> connections = Map.of(
            TransportKind.TCP, options.connectionsPerAddress(),
            TransportKind.SHM, Math.max(options.connectionsPerAddress(), shm.concurrency()));
        this.pool = new ConnectionPool(byKind, connections, options.connectTimeout(), pipeline);
        this.selector = new TransportSelector(
            shm, options.tcpAddress(), pool, options.shmRetryInterval(), metrics, shmUnavailable);
        this.timer = new ScheduledThreadPoolExecutor(1, r ->
        {
            final Thread t = new Thread(r, "shmipc-client-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = new CallDeadlines(timer, handler::forEachPending, call -> call.fail(timeout(call)));
        this.retirement = new ConnectionRetirement(pool, timer, metrics, handler::hasPendingCalls);
    }

    private void resetRequested(final Connection connection)
    {
        retirement.requested(connection);
    }

    /**
     * @param options the client's options.
     * @return a client; connections are made lazily on the first calls.
     */
    public static RpcClient create(final ClientOptions options)
    {
        return new RpcClient(options);
    }

    /**
     * Call and wait.
     *
     * @return the reply, with its payload copied to the heap.
     * @throws RpcException (or a subclass: timeout, connect failure, closed connection, remote exception).
     */
    public Response call(final Request request)
    {
        return call(request, Response::copyOf);
    }

    /**
     * Call and wait, decoding the reply in place.
     *
     * @return what {@code decoder} made of the reply.
     * @throws RpcException (or a subclass).
     */
    public <T> T call(final Request request, final ResponseDecoder<T> decoder)
    {
        final PendingCall<T> call = start(request, decoder, Thread.currentThread());
        if (call.callerReads() && !call.isDone())
        {
            // Over shared memory the caller reads its own reply rather than waiting for an I/O thread to hand it over.
            call.connection().readUntil(call, call.deadlineNanos(), call.timeoutNanos());
        }
        // The waiting caller keeps its own deadline: no timer task per call (scheduling one wakes the timer).
        // Usually over by now (the caller read its reply): then no clock read and no wait.
        if (!call.isDone())
        {
            awaitOutcome(call);
        }
        try
        {
            return call.value();
        }
        catch (final Throwable ex)
        {
            throw asRpcException(ex);
        }
    }

    /**
     * Wait until the call is over or its deadline passed (then fail it). On a fork-join pool's thread the wait is
     * declared to the pool ({@link ForkJoinPool#managedBlock}), which may add a thread meanwhile, as it does for a
     * thread waiting on a {@link CompletableFuture}: blocking calls made from pool tasks do not starve the pool.
     *
     * @throws RpcException when the caller was interrupted (the call is then cancelled and the flag kept).
     */
    private static void awaitOutcome(final PendingCall<?> call)
    {
        final CallWait wait = new CallWait(call);
        try
        {
            if (Thread.currentThread() instanceof ForkJoinWorkerThread)
            {
                ForkJoinPool.managedBlock(wait);
            }
            else
            {
                while (!wait.block())
                {
                    // parked again until the call is over
                }
            }
        }
        catch (final InterruptedException ex)
        {
            call.fail(new CancellationException("the caller was interrupted"));
            Thread.currentThread().interrupt();
            throw new RpcException("interrupted while waiting for " + call.describe(), ex);
        }
    }

    /**
     * A blocking caller's wait for its call: parks until the call is over, failing it once its deadline passed.
     */
    private static final class CallWait implements ForkJoinPool.ManagedBlocker
    {
        private final PendingCall<?> call;

        CallWait(final PendingCall<?> call)
        {
            this.call = call;
        }

        @Override
        public boolean block() throws InterruptedException
        {
            if (isReleasable())
            {
                return true;
            }
            LockSupport.parkNanos(call, call.deadlineNanos() - System.nanoTime());
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            return isReleasable();
        }

        @Override
        public boolean isReleasable()
        {
            if (call.isDone())
            {
                return true;
            }
            if (call.deadlineNanos() - System.nanoTime() <= 0)
            {
                call.fail(timeout(call));
                return true;
            }
            return false;
        }
    }

    /**
     * The outcome of a send just failed, or completed an instant before: its value, or its failure as an exception.
     */
    private static <T> T awaitFailed(final CompletableFuture<T> future)
    {
        try
        {
            return future.join();
        }
        catch (final CompletionException | CancellationException ex)
        {
            throw asRpcException(ex);
        }
    }

    /**
     * Call without waiting.
     *
     * @return completes with the reply (payload copied to the heap) or an {@link RpcException}.
     */
    public CompletableFuture<Response> callAsync(final Request request)
    {
        return callAsync(request, Response::copyOf);
    }

    /**
     * Call without waiting, decoding the reply in place on the I/O thread (no copy of the payload).
     *
     * @return completes with what {@code decoder} made of the reply, or an {@link RpcException}.
     */
    public <T> CompletableFuture<T> callAsync(final Request request, final ResponseDecoder<T> decoder)
    {
        return start(request, decoder, null).future();
    }

    private <T> PendingCall<T> start(final Request request, final ResponseDecoder<T> decoder,
        final Thread waitingCaller)
    {
        final Duration timeout = request.timeout() != null ? request.timeout() : options.callTimeout();
        final int seqId = request.hasSeqId() ? request.seqId() : nextSeqId();
        final PendingCall<T> call = new PendingCall<>(seqId, request.method(), decoder, waitingCaller,
            timeout, System.nanoTime(), callEnded);
        if (closed)
        {
            call.fail(new RpcException("client is closed; call '" + request.method() + "' not sent"));
            return call;
        }
        metrics.inFlightCounter().incrementAndGet();
        route(call, request, MAX_REROUTES);
        return call;
    }

    private <T> void route(final PendingCall<T> call, final Request request, final int reroutes)
    {
        final Connection open = selector.openShmConnection();
        if (open != null)
        {
            // The usual case: an open shared-memory connection, taken with no future and no allocation.
            send(call, request, open, open.callInfo(), null, reroutes);
            return;
        }
        final CompletableFuture<TransportSelector.Route> routed = connect();
        if (routed.isDone() && !routed.isCompletedExceptionally())
        {
            // An open connection: no continuation to allocate and run.
            final TransportSelector.Route route = routed.join();
            send(call, request, route.connection(), route.callInfo(), null, reroutes);
            return;
        }
        if (call.future() != null)
        {
            // Waiting for a connection (dialling): not among the pending calls yet, so a deadline of its own.
            call.deadline(timer.schedule(() -> call.fail(timeout(call)), call.deadlineNanos() - System.nanoTime(),
                TimeUnit.NANOSECONDS));
        }
        routed.whenComplete((route, error) -> send(call, request, route != null ? route.connection() : null,
            route != null ? route.callInfo() : null, error, reroutes));
    }

    private CompletableFuture<TransportSelector.Route> connect()
    {
        try
        {
            return selector.connect();
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private <T> void send(final PendingCall<T> call, final Request request, final Connection connection,
        final CallInfo callInfo, final Throwable error, final int reroutes)
    {
        if (error != null)
        {
            call.fail(asRpcException(error));
            return;
        }
        if (call.isDone())
        {
            return;
        }
        call.bind(connection, callInfo);
        if (connection.isReadBy(call.waitingCaller()))
        {
            call.fail(new RpcException(call.describe() + " not sent: it would wait for its reply on the thread that " +
                "delivers that reply (a completion stage of an asynchronous call, or an event-driven listener, on " +
                "the same shared-memory session); call asynchronously there, or attach the stage with an executor"));
            return;
        }
        if (!handler.register(call))
        {
            call.fail(new RpcException(call.describe() + " not sent: a call with the same seq id is in flight " +
                "on this client"));
            return;
        }
        if (call.future() != null)
        {
            deadlines.watch(call);
        }
        // Registered first, then checked: a connection retired after this check counts this call as pending and
        // stays open for it (ConnectionRetirement marks first, then looks for pending calls).
        if (reroutes > 0 && retirement.isRetiring(connection))
        {
            handler.unregister(call);
            route(call, request, reroutes - 1);
            return;
        }
        if (!call.start())
        {
            handler.unregister(call);
            return;
        }
        metrics.recordCall(callInfo.transport());
        final CompletableFuture<Void> written = write(connection, callInfo, request, call.seqId());
        if (written.isDone() && !written.isCompletedExceptionally())
        {
            return;
        }
        written.whenComplete((v, writeError) ->
            {
                if (writeError != null)
                {
                    call.fail(new RpcException("sending " + call.describe() + " failed: " +
                        unwrap(writeError).getMessage(), unwrap(writeError)));
                }
            });
    }

    /**
     * Send a one-way message (Thrift {@code ONEWAY}) and wait until the connection has taken it: written to the
     * shared-memory stream, or flushed to the TCP channel. No reply is expected and none is waited for; the server
     * runs its handler and answers nothing.
     *
     * @return the path the message took.
     * @throws RpcException (or a subclass: timeout, connect failure, closed connection) when it could not be sent
     *                      within the call timeout.
     */
    public CallInfo send(final Request request)
    {
        final long deadlineNanos = System.nanoTime() + callTimeout(request).toNanos();
        final CompletableFuture<CallInfo> sent = sendOneway(request, false);
        try
        {
            return sent.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            sent.completeExceptionally(onewayTimeout(request));
            return awaitFailed(sent);
        }
        catch (final InterruptedException ex)
        {
            sent.cancel(false);
            Thread.currentThread().interrupt();
            throw new RpcException("interrupted while sending one-way '" + request.method() + "'", ex);
        }
        catch (final ExecutionException ex)
        {
            throw asRpcException(ex.getCause());
        }
    }

    /**
     * Send a one-way message without waiting; see {@link #send(Request)}.
     *
     * @return completes with the path taken once the connection has taken the message, or with an
     * {@link RpcException} when it could not be sent within the call timeout.
     */
    public CompletableFuture<CallInfo> sendAsync(final Request request)
    {
        return sendOneway(request, true);
    }

    private CompletableFuture<CallInfo> sendOneway(final Request request, final boolean timed)
    {
        final CompletableFuture<CallInfo> sent = new CompletableFuture<>();
        if (closed)
        {
            sent.completeExceptionally(new RpcException("client is closed; one-way '" + request.method() +
                "' not sent"));
            return sent;
        }
        metrics.inFlightCounter().incrementAndGet();
        sent.whenComplete((info, error) -> finishOneway(error));
        final int seqId = request.hasSeqId() ? request.seqId() : nextSeqId();
        routeOneway(request, seqId, sent, MAX_REROUTES);
        if (timed && !sent.isDone())
        {
            // Only a send still dialling or held up by back-pressure needs a timer; most have been taken already.
            final ScheduledFuture<?> deadline = timer.schedule(() -> sent.completeExceptionally(
                onewayTimeout(request)), callTimeout(request).toNanos(), TimeUnit.NANOSECONDS);
            sent.whenComplete((info, error) -> deadline.cancel(false));
        }
        return sent;
    }

    private void routeOneway(final Request request, final int seqId, final CompletableFuture<CallInfo> sent,
        final int reroutes)
    {
        connect().whenComplete((route, error) ->
        {
            if (error != null)
            {
                sent.completeExceptionally(asRpcException(error));
                return;
            }
            if (sent.isDone())
            {
                return;
            }
            if (reroutes > 0 && retirement.isRetiring(route.connection()))
            {
                routeOneway(request, seqId, sent, reroutes - 1);
                return;
            }
            metrics.recordCall(route.callInfo().transport());
            pipeline.write(route.connection(), new RpcMessage(outboundFrame(request, ThriftMessageType.ONEWAY, seqId),
                route.callInfo(), null)).whenComplete((v, writeError) ->
                {
                    if (writeError != null)
                    {
                        sent.completeExceptionally(new RpcException("sending one-way '" + request.method() +
                            "' to " + route.callInfo() + " failed: " + unwrap(writeError).getMessage(),
                            unwrap(writeError)));
                    }
                    else
                    {
                        sent.complete(route.callInfo());
                    }
                });
        });
    }

    /**
     * Write a call: straight from the request's encoded head when it has one and no outbound handler would see the
     * frame (no {@link RpcFrame} to build), through the pipeline otherwise.
     */
    private CompletableFuture<Void> write(final Connection connection, final CallInfo callInfo, final Request request,
        final int seqId)
    {
        final DirectBuffer payload = request.payload();
        final FrameHead head = writesDirect ? request.knownHead(options.frameFormat(), ThriftMessageType.CALL) : null;
        if (head != null && head.fits(payload.capacity()))
        {
            final HeadFrameWriter writer = new HeadFrameWriter(head, seqId, payload, 0, payload.capacity());
            return connection.writeFrame(writer.frameLength(), writer);
        }
        return pipeline.write(connection, new RpcMessage(outboundFrame(request, ThriftMessageType.CALL, seqId),
            callInfo, null));
    }

    private RpcFrame outboundFrame(final Request request, final ThriftMessageType type, final int seqId)
    {
        final RpcFrame frame = new RpcFrame()
            .format(options.frameFormat())
            .messageType(type)
            .method(request.method())
            .seqId(seqId)
            .body(request.payload(), 0, request.payload().capacity());
        frame.header().info(request.info()).aclToken(request.aclToken());
        return frame.head(request.head(frame));
    }

    private void finishOneway(final Throwable error)
    {
        metrics.inFlightCounter().decrementAndGet();
        if (error instanceof CancellationException)
        {
            metrics.recordCancel();
        }
        else if (error != null)
        {
            metrics.recordFailure();
            if (error instanceof CallTimeoutException)
            {
                metrics.recordTimeout();
            }
        }
    }

    private Duration callTimeout(final Request request)
    {
        return request.timeout() != null ? request.timeout() : options.callTimeout();
    }

    private CallTimeoutException onewayTimeout(final Request request)
    {
        return new CallTimeoutException("one-way '" + request.method() + "' not sent within " +
            callTimeout(request).toMillis() + " ms");
    }

    /**
     * @return the client's counters.
     */
    public TransportMetrics metrics()
    {
        return metrics;
    }

    /**
     * @return the endpoints with open pooled connections: transport and the address actually dialled.
     */
    public Set<Endpoint> pooledEndpoints()
    {
        return pool.endpoints();
    }

    /**
     * @return the options this client was built from.
     */
    public ClientOptions options()
    {
        return options;
    }

    /**
     * Stop taking calls, wait up to the call timeout for calls in flight, then close every connection (failing
     * what is left) and release threads. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final long deadline = System.nanoTime() + options.callTimeout().toNanos();
        while (metrics.inFlight() > 0 && System.nanoTime() - deadline < 0)
        {
            try
            {
                Thread.sleep(CLOSE_POLL_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        pool.close();
        for (final Dialer dialer : dialers)
        {
            dialer.close();
        }
        timer.shutdownNow();
    }

    private void callEnded(final PendingCall<?> call, final Throwable error)
    {
        handler.unregister(call);
        call.cancelDeadline();
        retirement.callEnded(call.connection());
        metrics.inFlightCounter().decrementAndGet();
        if (error instanceof CancellationException)
        {
            metrics.recordCancel();
        }
        else if (error != null)
        {
            metrics.recordFailure();
            if (error instanceof CallTimeoutException)
            {
                metrics.recordTimeout();
            }
        }
    }

    private static CallTimeoutException timeout(final PendingCall<?> call)
    {
        return new CallTimeoutException(call.describe() + " timed out after " + call.timeout().toMillis() + " ms");
    }

    private int nextSeqId()
    {
        int id = seqIds.incrementAndGet();
        if (id == 0)
        {
            id = seqIds.incrementAndGet();
        }
        return id;
    }

    private static Throwable unwrap(final Throwable error)
    {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static RpcException asRpcException(final Throwable error)
    {
        final Throwable cause = unwrap(error);
        if (cause instanceof RpcException)
        {
            return (RpcException)cause;
        }
        return new RpcException(cause.toString(), cause);
    }
}
