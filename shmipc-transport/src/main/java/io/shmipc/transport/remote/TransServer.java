package io.shmipc.transport.remote;

import io.shmipc.transport.TransportKind;

import java.net.SocketAddress;

/**
 * Kitex's {@code remote.TransServer}: accepts connections of one transport and feeds their frames to a
 * {@link TransHandler}. Created by a {@link TransServerFactory}.
 */
public interface TransServer extends AutoCloseable
{
    /**
     * @return the transport this server accepts.
     */
    TransportKind kind();

    /**
     * Create the listener and start accepting (Kitex's {@code CreateListener} + {@code BootstrapServer}).
     *
     * @return the address actually bound (with the real port when port 0 was asked for).
     * @throws io.shmipc.transport.RpcException naming the address when binding fails.
     */
    SocketAddress start();

    /**
     * @return the bound address, {@code null} before {@link #start()}.
     */
    SocketAddress boundAddress();

    /**
     * @return connections currently open.
     */
    int connectionCount();

    /**
     * Close the listener; open connections keep working. Idempotent.
     */
    void stopAccepting();

    /**
     * Close every connection and release the transport's resources; idempotent.
     */
    @Override
    void close();
}
