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

    /**
     * @param quarantine how long the seq id of a timed-out call stays unused on its lane (its reply may be late).
     */
    CallForwarder(final SidecarMetrics metrics, final SidecarMetrics.Direction direction, final Duration quarantine)
    {
        this.metrics = metrics;
        this.direction = direction;
        this.quarantine = quarantine;
    }

    /**
     * Count a call that arrived; every call counted must end in {@link #forward} or {@link #reject}.
     */
    void arrived(final DirectBuffer payload)
    {
        metrics.callStarted(direction, payload.capacity());
    }

    /**
     * @param context     the call as received.
     * @param payload     its Thrift struct bytes, valid until this returns.
     * @param lanes       the clients to the next hop.
     * @param destination the next hop, for messages.
     * @param timeout     the call's deadline.
     * @param extraString string info keys to add (or replace) on the way.
     * @return the reply's struct bytes.
     * @throws RemoteApplicationException naming why the call could not be relayed.
     */
    DirectBuffer forward(
        final RequestContext context,
        final DirectBuffer payload,
        final SeqIdLanes lanes,
        final String destination,
        final Duration timeout,
        final Map<String, String> extraString) throws RemoteApplicationException
    {
        final int seqId = context.seqId();
        final SeqIdLanes.Lane lane;
        try
        {
            lane = lanes.claim(seqId);
        }
        catch (final IllegalStateException ex)
        {
            throw reject(FailureReason.FORWARD_FAILED, "call '" + context.method() + "' seq " + seqId +
                " to " + destination + " not relayed: " + ex.getMessage());
        }
        // Every key and the ACL token pass through as they came, named or not: the bridge is not the callee.
        final Request.Builder request = Request.builder(context.method()).payload(payload).timeout(timeout)
            .seqId(seqId).aclToken(context.aclToken());
        context.stringInfo().forEach(request::stringInfo);
        extraString.forEach(request::stringInfo);
        context.intInfo().forEach(request::intInfo);
        final Response response;
        boolean timedOut = false;
        try
        {
            response = lane.client().call(request.build());
        }
        catch (final RemoteApplicationException ex)
        {
            metrics.callFailed(direction, FailureReason.UPSTREAM_EXCEPTION);
            // The upstream's own text: the app's client adds what the call was, once.
            throw new RemoteApplicationException(ex.type(), ex.remoteMessage());
        }
        catch (final RpcException ex)
        {
            final FailureReason reason = classify(ex);
            timedOut = reason == FailureReason.TIMEOUT;
            LOG.log(DEBUG, "{0} call ''{1}'' seq {2} to {3} failed: {4}", direction, context.method(), seqId,
                destination, ex.getMessage());
            throw reject(reason, reason.label() + " " + destination + " for call '" + context.method() + "' seq " +
                seqId + ": " + ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            throw reject(FailureReason.FORWARD_FAILED, "relaying call '" + context.method() + "' seq " + seqId +
                " to " + destination + " failed: " + ex);
        }
        finally
        {
            if (timedOut)
            {
                lane.quarantine(seqId, quarantine);
            }
            else
            {
                lane.release(seqId);
            }
        }
        response.stringInfo().forEach(context::putResponseStringInfo);
        response.intInfo().forEach(context::putResponseIntInfo);
        metrics.callForwarded(direction, response.payload().capacity());
        return response.payload();
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
