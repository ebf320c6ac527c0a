package io.shmipc.transport.remote;

import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;

/**
 * Kitex's {@code remote.TransServerFactory}: makes the {@link TransServer} of one transport. A server takes at most
 * one factory per {@link TransportKind}.
 */
public interface TransServerFactory
{
    /**
     * @return the transport the servers made here accept.
     */
    TransportKind kind();

    /**
     * @param options the server's options (addresses, limits, settings).
     * @param handler the handler every connection's events go to.
     * @return a server, not yet started.
     */
    TransServer newTransServer(ServerOptions options, TransHandler handler);
}
