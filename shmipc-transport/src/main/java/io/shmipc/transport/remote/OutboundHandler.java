package io.shmipc.transport.remote;

/**
 * A step of a {@link TransPipeline} that sees every message before it is encoded (Kitex's
 * {@code remote.OutboundHandler}), for example to add info keys. Throwing fails the write.
 */
@FunctionalInterface
public interface OutboundHandler
{
    /**
     * A message is about to be written; the handler may read or change its frame's header fields.
     */
    void onWrite(Connection connection, RpcMessage message);
}
