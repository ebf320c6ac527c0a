package io.shmipc.transport.remote;

import io.shmipc.transport.TransportKind;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Kitex's {@code remote.Dialer}: opens client connections of one transport. The shared-memory dialer (a ShmIPC
 * session client doing the handshake and peer-uid check) is registered beside the TCP one through
 * {@link io.shmipc.transport.ClientOptions.Builder#dialer(Dialer)}.
 */
public interface Dialer extends AutoCloseable
{
    /**
     * @return the transport this dialer connects with.
     */
    TransportKind kind();

    /**
     * Open a connection whose events and frames go to {@code handler}.
     *
     * @param address  where to connect: {@code host:port} for TCP, the control socket path for shared memory.
     * @param timeout  how long connecting (and any handshake) may take.
     * @param handler  receives the connection's events.
     * @return the connection once {@link TransHandler#onActive} has run; fails with an exception that names the
     * address and the cause.
     */
    CompletableFuture<Connection> dial(String address, Duration timeout, TransHandler handler);

    /**
     * The server asked the client to stop using {@code connection} (TTHeader {@code crrst}): connections dialled from
     * now on must not share what it rides on, e.g. a shared-memory session to a server that is going away. The
     * connection itself is closed by its user once its calls are done.
     *
     * @param connection a connection this dialer opened.
     */
    default void retire(final Connection connection)
    {
    }

    /**
     * Release the dialer's resources (threads, sessions); idempotent.
     */
    @Override
    void close();
}
