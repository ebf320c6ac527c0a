package io.shmipc.sidecar;

import io.shmipc.transport.AsyncRpcHandler;
import io.shmipc.transport.RemoteApplicationException;
import io.shmipc.transport.RequestContext;
import io.shmipc.transport.codec.IntInfoKey;
import org.agrona.DirectBuffer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Egress: a call from a local app is routed by its ToService / ToCluster / DestAddress keys, given the deadline in
 * its RPCTimeout key (milliseconds), and relayed over a pooled TCP connection to the upstream.
 */
final class EgressHandler implements AsyncRpcHandler
{
    private final RouteTable routes;
    private final UpstreamClients upstreams;
    private final Duration defaultTimeout;
    private final CallForwarder forwarder;

    EgressHandler(
        final RouteTable routes,
        final UpstreamClients upstreams,
        final Duration defaultTimeout,
        final int relayLimit,
        final SidecarMetrics metrics)
    {
        this.routes = routes;
        this.upstreams = upstreams;
        this.defaultTimeout = defaultTimeout;
        this.forwarder = new CallForwarder(metrics, SidecarMetrics.Direction.EGRESS, defaultTimeout, relayLimit);
    }

    @Override
    public CompletableFuture<DirectBuffer> handle(final RequestContext context, final DirectBuffer request)
        throws RemoteApplicationException
    {
        forwarder.arrived(request);
        final Map<Integer, String> intInfo = context.intInfo();
        final String upstream = routes.resolve(intInfo);
        if (upstream == null)
        {
            throw forwarder.reject(FailureReason.NO_ROUTE, "no route for call '" + context.method() + "' (" +
                RouteTable.describeTarget(intInfo) + ")");
        }
        final Duration timeout;
        try
        {
            timeout = timeout(context.intInfo(IntInfoKey.RPC_TIMEOUT));
        }
        catch (final IllegalArgumentException ex)
        {
            throw forwarder.reject(FailureReason.MALFORMED_REQUEST, ex.getMessage());
        }
        final SeqIdLanes lanes;
        try
        {
            lanes = upstreams.lanes(upstream, context.format());
        }
        catch (final IllegalArgumentException ex)
        {
            throw forwarder.reject(FailureReason.MALFORMED_REQUEST, "bad upstream address '" + upstream + "': " +
                ex.getMessage());
        }
        catch (final IllegalStateException ex)
        {
            throw forwarder.reject(FailureReason.FORWARD_FAILED, ex.getMessage());
        }
        return forwarder.forward(context, request, lanes, upstream, timeout, Map.of());
    }

    private Duration timeout(final String rpcTimeout)
    {
        if (rpcTimeout == null || rpcTimeout.isBlank())
        {
            return defaultTimeout;
        }
        final long millis;
        try
        {
            millis = Long.parseLong(rpcTimeout.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("RPCTimeout '" + rpcTimeout + "' is not a number of milliseconds", ex);
        }
        // Kitex writes 0 for "no timeout": the bridge's own call timeout then bounds the call.
        return millis > 0 ? Duration.ofMillis(millis) : defaultTimeout;
    }
}
