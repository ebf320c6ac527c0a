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
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.nativeio.Platform;

/**
 * This project's shared-memory session ({@code shmipc-core}): the transport every ratio in the report is taken
 * against. One session per client, one core stream per bench stream; each message is a 4-byte little-endian length
 * and the payload, written in place into shared memory and read in place (see {@link #config} for why every message
 * fits one slice).
 */
public final class ShmTransport implements BenchTransport
{
    /** Name on the command line. */
    public static final String NAME = "shm";

    private static final long MIN_REGION = 32L << 20;
    private static final long MAX_REGION = 1L << 30;
    private static final int LARGE_CLASS_PERCENT = 40;
    private static final int SLICE_HEADER = 20;

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
     * A session configuration for this run, sized the way the other transports size their rings: when the largest
     * message does not fit the default 128 KiB slices, a fourth size class holds it whole, so every message is
     * written and read in place; the region holds every stream's largest message twice over (so the run measures
     * shared memory, not the inline fallback). The spin policy follows the wait mode.
     */
    static SessionConfig config(final TransportSettings settings)
    {
        final int largest = settings.maxPayload() + ShmFraming.HEADER_LENGTH;
        final SessionConfig.Builder builder = SessionConfig.builder()
            .bufferCapacity(regionBytes(settings, largest));
        final SliceClass[] classes = sliceClasses(largest);
        if (classes != null)
        {
            builder.sliceClasses(classes);
        }
        if (settings.waitMode() == WaitMode.SPIN)
        {
            builder.spinIterations(Integer.MAX_VALUE);
        }
        else if (settings.waitMode() == WaitMode.PARK)
        {
            builder.spinIterations(0);
        }
        // SHMIPC_* settings the run does not size itself still apply (e.g. SHMIPC_MESSAGE_RINGS=0 for an A/B run).
        return builder.fromEnvironment(System.getenv(), System.getProperties()).build();
    }

    /**
     * @param largest the largest message in bytes, framing included.
     * @return the default slice classes plus one that holds {@code largest} whole, or {@code null} when the default
     * 128 KiB slices already hold it.
     */
    static SliceClass[] sliceClasses(final int largest)
    {
        if (largest <= SliceClass.DEFAULTS[SliceClass.DEFAULTS.length - 1].dataCapacity())
        {
            return null;
        }
        return new SliceClass[] {
            new SliceClass(8172, 30), new SliceClass(32748, 15), new SliceClass(131052, 15),
            new SliceClass(largest, LARGE_CLASS_PERCENT)};
    }

    /**
     * @param settings the run's settings (streams).
     * @param largest  the largest message in bytes, framing included.
     * @return a region that holds every stream's largest message twice over, in the slice class that holds it.
     */
    static long regionBytes(final TransportSettings settings, final int largest)
    {
        final long region;
        if (sliceClasses(largest) != null)
        {
            final long inFlight = 2L * settings.streams() + 2;
            region = inFlight * (largest + SLICE_HEADER) * 100 / LARGE_CLASS_PERCENT + (8L << 20);
        }
        else
        {
            region = 2L * settings.streams() * largest + (16L << 20);
        }
        return Math.max(MIN_REGION, Math.min(MAX_REGION, region));
    }
}
