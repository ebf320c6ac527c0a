package io.shmipc.bench.transport;

import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;

/**
 * This project's shared-memory session ({@code shmipc-core}): the transport every ratio in the report is taken
 * against. A placeholder until the core session API exists; fill in {@link #startServer} (a listener whose streams
 * call the handler with the request in shared memory and a response buffer allocated from the session) and
 * {@link #connect} (a session with {@link TransportSettings#streams()} streams), then return {@code null} from
 * {@link #unavailableReason()}. Chain comes for free once both exist, since the relay uses {@link #connect}.
 */
public final class ShmTransport implements BenchTransport
{
    /** Name on the command line. */
    public static final String NAME = "shm";

    private static final String PENDING = "not available yet (shmipc-core session API pending)";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String unavailableReason()
    {
        return PENDING;
    }

    @Override
    public boolean supports(final Scenario scenario)
    {
        return true;
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
    {
        throw new UnsupportedOperationException("shm " + PENDING);
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint)
    {
        throw new UnsupportedOperationException("shm " + PENDING);
    }
}
