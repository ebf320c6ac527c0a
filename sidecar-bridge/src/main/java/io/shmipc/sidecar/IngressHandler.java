package io.shmipc.sidecar;

import io.shmipc.transport.AsyncRpcHandler;
import io.shmipc.transport.RequestContext;
import io.shmipc.transport.codec.StringInfoKeys;
import org.agrona.DirectBuffer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Ingress: a call from the network is relayed to the local app over shared memory, with the {@code rip} string
 * key set to the caller's address so the app learns who really called.
 */
final class IngressHandler implements AsyncRpcHandler
{
    private static final String APP = "local app";

    private final SeqIdLanes app;
    private final Duration timeout;
    private final CallForwarder forwarder;

    IngressHandler(final SeqIdLanes app, final Duration timeout, final int relayLimit, final SidecarMetrics metrics)
    {
        this.app = app;
        this.timeout = timeout;
        this.forwarder = new CallForwarder(metrics, SidecarMetrics.Direction.INGRESS, timeout, relayLimit);
    }

    @Override
    public CompletableFuture<DirectBuffer> handle(final RequestContext context, final DirectBuffer request)
    {
        forwarder.arrived(request);
        return forwarder.forward(context, request, app, APP, timeout,
            Map.of(StringInfoKeys.REMOTE_IP, context.callInfo().address()));
    }
}
