package io.shmipc.sidecar;

import io.shmipc.transport.CallTimeoutException;
import io.shmipc.transport.ConnectFailedException;
import io.shmipc.transport.ConnectionClosedException;
import io.shmipc.transport.RemoteApplicationException;
import io.shmipc.transport.Request;
import io.shmipc.transport.RequestContext;
import io.shmipc.transport.Response;
import io.shmipc.transport.RpcException;
import org.agrona.DirectBuffer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * Relays one call, as received by the bridge's server, through a client to the next hop and hands the reply back.
 * The Thrift struct bytes cross untouched; the TTHeader info keys are copied both ways (plus whatever the direction
 * adds); the caller's seq id is sent on (see {@link SeqIdLanes}) and the bridge's server answers on the caller's
 * own frame with it. Every failure
 * becomes a {@link RemoteApplicationException} whose text names the reason, so the caller gets a Thrift
 * application exception rather than a dropped connection.
 */
final class CallForwarder
{
    private static final System.Logger LOG = System.getLogger(CallForwarder.class.getName());
    private static final String PREFIX = "sidecar: ";

    private final SidecarMetrics metrics;
    private final SidecarMetrics.Direction direction;
    private final Duration quarantine;
    private final RelayLimit limit;

    /**
     * @param quarantine how long the seq id of a timed-out call stays unused on its lane (its reply may be late).
     * @param relayLimit calls relayed at once; more wait in line.
     */
    CallForwarder(final SidecarMetrics metrics, final SidecarMetrics.Direction direction, final Duration quarantine,
        final int relayLimit)
    {
        this.metrics = metrics;
        this.direction = direction;
        this.quarantine = quarantine;
        this.limit = new RelayLimit(relayLimit);
    }

    /**
     * Count a call that arrived; every call counted must end in {@link #forward} or {@link #reject}.
     */
    void arrived(final DirectBuffer payload)
    {
        metrics.callStarted(direction, payload.capacity());
    }

    /**
     * Relay a call once a relay permit is free ({@link RelayLimit}); no thread waits for the permit or the reply.
     *
     * @param context     the call as received.
     * @param payload     its Thrift struct bytes, valid until the returned stage completes.
     * @param lanes       the clients to the next hop.
     * @param destination the next hop, for messages.
     * @param timeout     the call's deadline.
     * @param extraString string info keys to add (or replace) on the way.
     * @return completes with the reply's struct bytes, or with a {@link RemoteApplicationException} naming why the
     * call could not be relayed.
     */
    CompletableFuture<DirectBuffer> forward(
        final RequestContext context,
        final DirectBuffer payload,
        final SeqIdLanes lanes,
        final String destination,
        final Duration timeout,
        final Map<String, String> extraString)
    {
        final CompletableFuture<Void> turn = limit.acquire();
        final CompletableFuture<DirectBuffer> relayed = turn.isDone() ?
            relay(context, payload, lanes, destination, timeout, extraString) :
            turn.thenCompose(ignored -> relay(context, payload, lanes, destination, timeout, extraString));
        relayed.whenComplete((reply, error) -> limit.release());
        return relayed;
    }

    private CompletableFuture<DirectBuffer> relay(
        final RequestContext context,
        final DirectBuffer payload,
        final SeqIdLanes lanes,
        final String destination,
        final Duration timeout,
        final Map<String, String> extraString)
    {
        final int seqId = context.seqId();
        final SeqIdLanes.Lane lane;
        try
        {
            lane = lanes.claim(seqId);
        }
        catch (final IllegalStateException ex)
        {
            return CompletableFuture.failedFuture(reject(FailureReason.FORWARD_FAILED, "call '" + context.method() +
                "' seq " + seqId + " to " + destination + " not relayed: " + ex.getMessage()));
        }
        final CompletableFuture<Response> reply;
        try
        {
            // Every key and the ACL token pass through as they came, named or not: the bridge is not the callee.
            final Request.Builder request = Request.builder(context.method()).payload(payload).timeout(timeout)
                .seqId(seqId).aclToken(context.aclToken());
            context.stringInfo().forEach(request::stringInfo);
            extraString.forEach(request::stringInfo);
            context.intInfo().forEach(request::intInfo);
            reply = lane.client().callAsync(request.build());
        }
        catch (final RuntimeException ex)
        {
            lane.release(seqId);
            return CompletableFuture.failedFuture(failure(context, destination, ex));
        }
        return reply.handle((response, error) ->
        {
            if (error == null)
            {
                lane.release(seqId);
                response.stringInfo().forEach(context::putResponseStringInfo);
                response.intInfo().forEach(context::putResponseIntInfo);
                metrics.callForwarded(direction, response.payload().capacity());
                return response.payload();
            }
            final Throwable cause = error instanceof CompletionException && error.getCause() != null ?
                error.getCause() : error;
            if (cause instanceof CallTimeoutException)
            {
                // Its reply may still come: the seq id stays unused on this lane for a while.
                lane.quarantine(seqId, quarantine);
            }
            else
            {
                lane.release(seqId);
            }
            throw new CompletionException(failure(context, destination, cause));
        });
    }

    /** What the caller is told when relaying failed: the upstream's own exception, or why it was not reached. */
    private RemoteApplicationException failure(
        final RequestContext context, final String destination, final Throwable cause)
    {
        final int seqId = context.seqId();
        if (cause instanceof RemoteApplicationException ex)
        {
            metrics.callFailed(direction, FailureReason.UPSTREAM_EXCEPTION);
            // The upstream's own text: the app's client adds what the call was, once.
            return new RemoteApplicationException(ex.type(), ex.remoteMessage());
        }
        if (cause instanceof RpcException ex)
        {
            final FailureReason reason = classify(ex);
            LOG.log(DEBUG, "{0} call ''{1}'' seq {2} to {3} failed: {4}", direction, context.method(), seqId,
                destination, ex.getMessage());
            return reject(reason, reason.label() + " " + destination + " for call '" + context.method() + "' seq " +
                seqId + ": " + ex.getMessage());
        }
        return reject(FailureReason.FORWARD_FAILED, "relaying call '" + context.method() + "' seq " + seqId +
            " to " + destination + " failed: " + cause);
    }

    /**
     * End a call that will not be forwarded.
     *
     * @param reason why.
     * @param detail what exactly, for the caller.
     * @return the exception to throw back to the caller.
     */
    RemoteApplicationException reject(final FailureReason reason, final String detail)
    {
        metrics.callFailed(direction, reason);
        return new RemoteApplicationException(reason.exceptionType(), PREFIX + detail);
    }

    private static FailureReason classify(final RpcException ex)
    {
        if (ex instanceof ConnectFailedException)
        {
            return FailureReason.UNREACHABLE;
        }
        if (ex instanceof CallTimeoutException)
        {
            return FailureReason.TIMEOUT;
        }
        if (ex instanceof ConnectionClosedException)
        {
            return FailureReason.CONNECTION_LOST;
        }
        return FailureReason.FORWARD_FAILED;
    }
}
