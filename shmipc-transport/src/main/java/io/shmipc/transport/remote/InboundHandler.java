package io.shmipc.transport.remote;

/**
 * A step of a {@link TransPipeline} that sees connections open and close and messages arrive before the
 * {@link TransHandler} acts on them (Kitex's {@code remote.InboundHandler}). Throwing from a method is treated as a
 * connection error.
 */
public interface InboundHandler
{
    /**
     * A connection became usable.
     */
    default void onActive(final Connection connection)
    {
    }

    /**
     * A connection is gone.
     */
    default void onInactive(final Connection connection)
    {
    }

    /**
     * A message arrived; the handler may read or change its frame's header fields.
     */
    default void onMessage(final Connection connection, final RpcMessage message)
    {
    }
}
