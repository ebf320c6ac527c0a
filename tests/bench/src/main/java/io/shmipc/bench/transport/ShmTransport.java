package io.shmipc.bench.transport;

import io.shmipc.bench.Scenario;
import io.shmipc.bench.WaitMode;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.nativeio.Platform;

/**
 * This project's shared-memory session ({@code shmipc-core}): the transport every ratio in the report is taken
 * against. One session per client, one core stream per bench stream; each message is a 4-byte little-endian length
 * and the payload, written in place into shared memory when it fits one slice and read in place when it arrived in
 * one slice.
 */
public final class ShmTransport implements BenchTransport
{
    /** Name on the command line. */
    public static final String NAME = "shm";

    private static final long MIN_REGION = 32L << 20;
    private static final long MAX_REGION = 1L << 30;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String unavailableReason()
    {
        return Platform.isSupported() ? null : Platform.unsupportedReason();
    }

    @Override
    public boolean supports(final Scenario scenario)
    {
        return true;
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
        throws Exception
    {
        return ShmBenchServer.start(config(settings), handlers);
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint) throws ShmIpcException
    {
        return new ShmBenchClient(config(settings), settings, endpoint);
    }

    /**
     * A session configuration for this run: a region that holds every stream's largest message twice over (so the
     * run measures shared memory, not the inline fallback), and the spin policy the wait mode asks for.
     */
    static SessionConfig config(final TransportSettings settings)
    {
        final long wanted = 2L * settings.streams() * (settings.maxPayload() + ShmFraming.HEADER_LENGTH) + (16L << 20);
        final SessionConfig.Builder builder = SessionConfig.builder()
            .bufferCapacity(Math.max(MIN_REGION, Math.min(MAX_REGION, wanted)));
        if (settings.waitMode() == WaitMode.SPIN)
        {
            builder.spinIterations(Integer.MAX_VALUE);
        }
        else if (settings.waitMode() == WaitMode.PARK)
        {
            builder.spinIterations(0);
        }
        return builder.build();
    }
}
