package io.shmipc.transport.remote;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Kitex's {@code remote.TransPipeline}: a {@link TransHandler} that runs the inbound handlers (in order) before
 * the wrapped handler sees events and messages, and the outbound handlers (in order) before it writes. Transports
 * talk to the pipeline, never to the wrapped handler directly.
 */
public final class TransPipeline implements TransHandler
{
    private final TransHandler handler;
    private final InboundHandler[] inbound;
    private final OutboundHandler[] outbound;

    /**
     * @param handler  the handler that does the protocol work.
     * @param inbound  handlers run on the way in, in order.
     * @param outbound handlers run on the way out, in order.
     */
    public TransPipeline(
        final TransHandler handler, final List<InboundHandler> inbound, final List<OutboundHandler> outbound)
    {
        this.handler = handler;
        this.inbound = inbound.toArray(new InboundHandler[0]);
        this.outbound = outbound.toArray(new OutboundHandler[0]);
    }

    /**
     * @return whether outbound handlers see the messages written: if none do, a role handler may write a frame
     * straight to the connection without building a message for them.
     */
    public boolean hasOutboundHandlers()
    {
        return outbound.length > 0;
    }

    @Override
    public CompletableFuture<Void> write(final Connection connection, final RpcMessage message)
    {
        try
        {
            for (final OutboundHandler h : outbound)
            {
                h.onWrite(connection, message);
            }
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        return handler.write(connection, message);
    }

    @Override
    public RpcMessage read(final Connection connection, final ReceivedFrame frame)
    {
        return handler.read(connection, frame);
    }

    @Override
    public void onActive(final Connection connection)
    {
        try
        {
            for (final InboundHandler h : inbound)
            {
                h.onActive(connection);
            }
        }
        catch (final RuntimeException ex)
        {
            handler.onError(connection, ex);
            return;
        }
        handler.onActive(connection);
    }

    @Override
    public void onInactive(final Connection connection)
    {
        try
        {
            for (final InboundHandler h : inbound)
            {
                h.onInactive(connection);
            }
        }
        finally
        {
            handler.onInactive(connection);
        }
    }

    @Override
    public void onError(final Connection connection, final Throwable cause)
    {
        handler.onError(connection, cause);
    }

    @Override
    public void onMessage(final Connection connection, final RpcMessage message)
    {
        try
        {
            for (final InboundHandler h : inbound)
            {
                h.onMessage(connection, message);
            }
        }
        catch (final RuntimeException ex)
        {
            message.release();
            handler.onError(connection, ex);
            return;
        }
        handler.onMessage(connection, message);
    }
}
