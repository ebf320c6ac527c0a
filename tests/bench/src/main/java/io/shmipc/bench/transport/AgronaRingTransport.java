package io.shmipc.bench.transport;

import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor: a pair of Agrona one-to-one ring buffers in a file under {@code /dev/shm}, polled per the wait mode.
 * Requests are claimed and written in place, served in place, and answered in place. The endpoint is the file path.
 */
public final class AgronaRingTransport implements BenchTransport
{
    /** Name on the command line. */
    public static final String NAME = "agrona-ring";

    private static final Path SHM_DIRECTORY = Path.of("/dev/shm");
    private static final AtomicInteger SERVERS = new AtomicInteger();

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

    /**
     * Not chain: three busy-polling processes on two CPUs measure the idle strategy's parking, not the ring.
     */
    @Override
    public boolean supports(final Scenario scenario)
    {
        return scenario != Scenario.CHAIN;
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
        throws IOException
    {
        final Path path = SHM_DIRECTORY.resolve(
            "shmipc-bench-ring-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet());
        return AgronaRingServer.start(RingFile.create(path, RingFile.capacityFor(settings.maxPayload())),
            settings, handlers.newHandler());
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint) throws IOException
    {
        return new AgronaRingClient(RingFile.open(Path.of(endpoint)), settings);
    }
}
