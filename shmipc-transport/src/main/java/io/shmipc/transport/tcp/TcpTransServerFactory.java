package io.shmipc.transport.tcp;

import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransServer;
import io.shmipc.transport.remote.TransServerFactory;

/**
 * Makes {@link TcpTransServer}s listening on {@link ServerOptions#tcpAddress()}.
 */
public final class TcpTransServerFactory implements TransServerFactory
{
    @Override
    public TransportKind kind()
    {
        return TransportKind.TCP;
    }

    @Override
    public TransServer newTransServer(final ServerOptions options, final TransHandler handler)
    {
        return new TcpTransServer(options, handler);
    }

    @Override
    public String toString()
    {
        return "TcpTransServerFactory";
    }
}
