package io.shmipc.bench.transport;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Aeron IPC: the server process embeds a media driver in its own directory under {@code /dev/shm}; requests and
 * responses each go over an exclusive IPC publication, streams multiplexed by a stream index before the payload.
 * The endpoint is the driver directory.
 * <p>
 * The driver runs one shared thread that backs off to parking when idle, beside the server's polling thread. (Running
 * the driver in invoker mode on the polling thread was tried: it added its duty cycle to every poll and made small
 * round trips slower, without helping large ones.)
 */
public final class AeronTransport implements BenchTransport
{
    /** Name on the command line. */
    public static final String NAME = "aeron";

    static final String IPC_CHANNEL = "aeron:ipc";
    static final int REQUEST_STREAM_ID = 1001;
    static final int RESPONSE_STREAM_ID = 1002;

    private static final int MIN_TERM_LENGTH = 1 << 20;
    private static final int MAX_TERM_LENGTH = 1 << 30;
    /** Room for Aeron's frame header and our stream index on the largest message. */
    private static final int MESSAGE_OVERHEAD = 64;
    private static final Path SHM_DIRECTORY = Path.of("/dev/shm");
    private static final AtomicInteger SERVERS = new AtomicInteger();
    private static final long DRIVER_MAX_SPINS = 100;
    private static final long DRIVER_MAX_YIELDS = 10;
    private static final long DRIVER_MIN_PARK_NANOS = 1_000;
    private static final long DRIVER_MAX_PARK_NANOS = 1_000_000;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String unavailableReason()
    {
        return Files.isDirectory(SHM_DIRECTORY) && Files.isWritable(SHM_DIRECTORY) ?
            null : SHM_DIRECTORY + " is missing or not writable";
    }

    @Override
    public boolean supports(final Scenario scenario)
    {
        return scenario != Scenario.CHAIN;
    }

    /**
     * Aeron caps one message at an eighth of the term, so the term is sized from the largest payload.
     *
     * @param maxPayload the largest payload.
     * @return the IPC channel URI both publications use.
     */
    static String publicationChannel(final int maxPayload)
    {
        final long needed = 8L * (maxPayload + MESSAGE_OVERHEAD);
        if (needed > MAX_TERM_LENGTH)
        {
            throw new IllegalArgumentException("aeron cannot carry " + maxPayload + "-byte messages over IPC");
        }
        final int termLength = Math.max(MIN_TERM_LENGTH, BitUtil.findNextPositivePowerOfTwo((int)needed));
        return IPC_CHANNEL + "?term-length=" + termLength;
    }

    /**
     * Log buffers are pre-touched so that first-touch page faults of a fresh 64 MB term are not measured.
     */
    private static Aeron.Context clientContext(final String directory)
    {
        return new Aeron.Context().aeronDirectoryName(directory).preTouchMappedMemory(true);
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
    {
        final String directory = SHM_DIRECTORY.resolve(
            "shmipc-bench-aeron-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet()).toString();
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(directory)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(
                DRIVER_MAX_SPINS, DRIVER_MAX_YIELDS, DRIVER_MIN_PARK_NANOS, DRIVER_MAX_PARK_NANOS))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false);
        MediaDriver driver = null;
        Aeron aeron = null;
        try
        {
            driver = MediaDriver.launchEmbedded(driverContext);
            aeron = Aeron.connect(clientContext(driver.aeronDirectoryName()));
            return new AeronServer(driver, aeron, settings, handlers.newHandler());
        }
        catch (final RuntimeException e)
        {
            CloseHelper.quietCloseAll(aeron, driver);
            throw e;
        }
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint) throws Exception
    {
        if (!Files.isDirectory(Path.of(endpoint)))
        {
            throw new IllegalStateException("aeron: no media driver directory at " + endpoint);
        }
        final Aeron aeron = Aeron.connect(clientContext(endpoint));
        try
        {
            return new AeronClient(aeron, settings);
        }
        catch (final Exception e)
        {
            CloseHelper.quietClose(aeron);
            throw e;
        }
    }
}
