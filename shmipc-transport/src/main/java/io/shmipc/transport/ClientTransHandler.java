package io.shmipc.transport;

import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.StringInfoKeys;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.RpcMessage;

import java.io.IOException;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The client role, the same for every transport: replies are matched to pending calls by seq id (unique per
 * client), so any number of calls can be in flight on one connection and answered in any order.
 */
final class ClientTransHandler extends RpcTransHandler
{
    private static final System.Logger LOG = System.getLogger(ClientTransHandler.class.getName());

    private final PendingCalls pending = new PendingCalls();
    private final TransportMetrics metrics;
    private final Consumer<Connection> resetRequested;

    /**
     * @param resetRequested told when a reply asks to reset its connection (string info key {@code crrst}).
     */
    ClientTransHandler(final int maxFrameSize, final TransportMetrics metrics,
        final Consumer<Connection> resetRequested)
    {
        super(maxFrameSize);
        this.metrics = metrics;
        this.resetRequested = resetRequested;
    }

    /**
     * @return {@code false} when another call with the same seq id is pending (only a caller-chosen seq id can
     * collide).
     */
    boolean register(final PendingCall<?> call)
    {
        return pending.add(call);
    }

    void unregister(final PendingCall<?> call)
    {
        pending.remove(call);
    }

    /**
     * Visit every call awaiting its reply.
     */
    void forEachPending(final Consumer<PendingCall<?>> action)
    {
        pending.forEach(action);
    }

    /**
     * @return whether any call awaits its reply on {@code connection}.
     */
    boolean hasPendingCalls(final Connection connection)
    {
        return pending.anyOn(connection);
    }

    @Override
    public void onActive(final Connection connection)
    {
        LOG.log(DEBUG, "connected to {0}://{1}", connection.kind(), connection.remoteAddress());
    }

    @Override
    public void onInactive(final Connection connection)
    {
        LOG.log(DEBUG, "connection to {0}://{1} closed", connection.kind(), connection.remoteAddress());
        pending.forEach(call ->
        {
            if (call.connection() == connection)
            {
                call.fail(new ConnectionClosedException("connection to " + connection.remoteAddress() +
                    " closed before the reply to " + call.describe() + " arrived"));
            }
        });
    }

    @Override
    public void onError(final Connection connection, final Throwable cause)
    {
        if (cause instanceof MalformedFrameException)
        {
            metrics.recordMalformedFrame();
            LOG.log(WARNING, "closing connection to {0}://{1}: {2}", connection.kind(), connection.remoteAddress(),
                cause.getMessage());
        }
        else if (cause instanceof FrameTimeoutException)
        {
            metrics.recordStalledFrame();
            LOG.log(WARNING, "closing connection to {0}://{1}, stalled mid-frame: {2}", connection.kind(),
                connection.remoteAddress(), cause.getMessage());
        }
        else if (cause instanceof IOException)
        {
            LOG.log(DEBUG, "closing connection to {0}://{1}: {2}", connection.kind(), connection.remoteAddress(),
                cause.toString());
        }
        else
        {
            LOG.log(WARNING, "closing connection to " + connection.kind() + "://" + connection.remoteAddress(), cause);
        }
        connection.close();
    }

    @Override
    public void onMessage(final Connection connection, final RpcMessage message)
    {
        final PendingCall<?> call = pending.remove(message.frame().seqId());
        if (message.frame().header().stringInfoView().containsKey(StringInfoKeys.CONNECTION_RESET))
        {
            // Before the call completes: its end then finds the connection retiring, and closes it if it was the last.
            resetRequested.accept(connection);
        }
        if (call == null && message.frame().seqId() == 0)
        {
            // A control frame (seq id 0 is never a call's here): a server's reset request, acted on above.
            message.release();
            return;
        }
        if (call == null || call.isDone())
        {
            // The call timed out or was cancelled (its clean-up may still be on its way); the reply is not wanted.
            metrics.recordLateReply();
            message.release();
            return;
        }
        call.complete(message);
    }
}
