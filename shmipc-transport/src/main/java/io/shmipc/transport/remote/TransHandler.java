package io.shmipc.transport.remote;

import java.util.concurrent.CompletableFuture;

/**
 * Kitex's {@code remote.TransHandler} in Java: what happens to a connection's frames and lifecycle events.
 * A transport (TCP, shared memory) owns the connections and calls these methods; the handler owns the protocol
 * (decode, encode) and the role (serve a call, complete a pending call). The same handler serves every transport,
 * which is how one server accepts shared memory and TCP at the same time.
 * <p>
 * Transports call {@link #onActive} once when a connection is usable, {@link #onRead} for each whole frame,
 * {@link #onError} for a transport failure or a malformed frame, and {@link #onInactive} once when it is gone.
 */
public interface TransHandler
{
    /**
     * Encode {@code message} and send it on {@code connection}.
     *
     * @return completes when the transport has taken the frame.
     */
    CompletableFuture<Void> write(Connection connection, RpcMessage message);

    /**
     * Decode one received frame. The returned message owns {@code frame} and releases it; on failure the frame is
     * released before the exception leaves.
     *
     * @throws io.shmipc.transport.codec.MalformedFrameException when the frame breaks the framing rules.
     */
    RpcMessage read(Connection connection, ReceivedFrame frame);

    /**
     * A connection became usable.
     */
    void onActive(Connection connection);

    /**
     * A connection is gone; called once, after which no more frames arrive from it.
     */
    void onInactive(Connection connection);

    /**
     * The transport failed or a frame was malformed. The handler decides whether the connection survives.
     */
    void onError(Connection connection, Throwable cause);

    /**
     * A decoded message arrived; the handler now owns it and releases it.
     */
    void onMessage(Connection connection, RpcMessage message);

    /**
     * Read a frame and hand the message on; errors go to {@link #onError}. This is what transports call.
     */
    default void onRead(final Connection connection, final ReceivedFrame frame)
    {
        final RpcMessage message;
        try
        {
            message = read(connection, frame);
        }
        catch (final RuntimeException ex)
        {
            onError(connection, ex);
            return;
        }
        onMessage(connection, message);
    }
}
