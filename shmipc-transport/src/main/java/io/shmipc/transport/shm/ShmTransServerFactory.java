package io.shmipc.transport.shm;

import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransServer;
import io.shmipc.transport.remote.TransServerFactory;

import java.nio.file.Path;

/**
 * Makes {@link ShmTransServer}s listening on {@code options.shmSettings().path()}, with the session configuration
 * {@link ServerOptions#shmSessionConfig()}. Added by {@link ServerOptions} itself when shared memory is enabled, or
 * explicitly with {@link ServerOptions.Builder#transServerFactory}.
 */
public final class ShmTransServerFactory implements TransServerFactory
{
    @Override
    public TransportKind kind()
    {
        return TransportKind.SHM;
    }

    @Override
    public TransServer newTransServer(final ServerOptions options, final TransHandler handler)
    {
        return new ShmTransServer(Path.of(options.shmSettings().path()), options.shmSessionConfig(), handler,
            options.maxFrameSize(), options.nonBlockingHandler(), options.frameReadTimeout());
    }

    @Override
    public String toString()
    {
        return "ShmTransServerFactory";
    }
}
