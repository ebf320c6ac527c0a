package io.shmipc.bench.peer;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.TransportSettings;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario in the client JVM against a server the harness started, and prints a
 * {@link PeerProtocol#RESULT} line per measured point.
 * <p>
 * Every measurement is bounded twice: by its call count or duration, whichever the harness chose, and by a hard
 * time cap, so a slow transport cannot stall the run.
 */
final class ScenarioDriver
{
    /** The most a client's first warm-up may take, whatever its call count. */
    private static final long INITIAL_WARMUP_CAP_NANOS = TimeUnit.SECONDS.toNanos(15);
    /** Calls every point gets at least, so percentiles are not drawn from a handful of samples. */
    private static final long MIN_MEASURED_CALLS = 20;
    private static final long MIN_WARMUP_CALLS = 10;
    /**
     * Calls before the first sidecar point even in a quick run: three cold JVMs sit on the call path, and half a
     * second of warm-up left the bridge interpreted, its JIT threads counted as CPU per call, and latency in ms.
     * Not with counted iterations, which ask for a short warm-up, as for every scenario.
     */
    private static final long SIDECAR_MIN_INITIAL_WARMUP_CALLS = 3_000;
    /** A measurement may overrun its duration by this much to reach {@link #MIN_MEASURED_CALLS}. */
    private static final long HARD_CAP_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final int IDLE_PROBE_CALLS = 100;
    private static final int IDLE_PROBE_SIZE = 64;
    private static final double NANOS_PER_MICRO = 1_000.0;
    private static final double BYTES_PER_MB = 1_000_000.0;

    private final BenchTransport transport;
    private final Scenario scenario;
    private final int[] sizes;
    private final TransportSettings settings;
    private final long durationNanos;
    private final long iterations;
    private final long warmupNanos;
    private final long initialWarmupNanos;
    private final long initialWarmupCalls;
    private boolean warmedUpOnce;
    private final long idleSettleNanos;
    private final String endpoint;
    private final long[] cpuPids;
    private final PrintStream out;
    private final Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);

    ScenarioDriver(
        final BenchTransport transport,
        final Scenario scenario,
        final int[] sizes,
        final TransportSettings settings,
        final long durationMillis,
        final long iterations,
        final long warmupMillis,
        final long initialWarmupMillis,
        final long initialWarmupCalls,
        final long idleSettleMillis,
        final String endpoint,
        final long[] cpuPids,
        final PrintStream out)
    {
        this.transport = transport;
        this.scenario = scenario;
        this.sizes = sizes;
        this.settings = settings;
        this.durationNanos = TimeUnit.MILLISECONDS.toNanos(durationMillis);
        this.iterations = iterations;
        this.warmupNanos = TimeUnit.MILLISECONDS.toNanos(warmupMillis);
        this.initialWarmupNanos = TimeUnit.MILLISECONDS.toNanos(initialWarmupMillis);
        this.initialWarmupCalls = scenario == Scenario.SIDECAR && iterations == 0 ?
            Math.max(SIDECAR_MIN_INITIAL_WARMUP_CALLS, initialWarmupCalls) : initialWarmupCalls;
        this.idleSettleNanos = TimeUnit.MILLISECONDS.toNanos(idleSettleMillis);
        this.endpoint = endpoint;
        this.cpuPids = cpuPids;
        this.out = out;
    }

    void run() throws Exception
    {
        try (BenchClient client = transport.connect(settings, endpoint))
        {
            final Caller caller = new Caller(client, settings.streams(), transport.name() + " client");
            switch (scenario)
            {
                case PINGPONG -> pingpong(caller);
                case THROUGHPUT -> throughput(caller);
                case IDLE -> idle(caller);
                case CHAIN, SIDECAR -> pingpongWithServiceCpu(caller);
                default -> throw new IllegalStateException("unhandled scenario " + scenario);
            }
        }
    }

    private void pingpong(final Caller caller) throws Exception
    {
        for (final int size : sizes)
        {
            progress(size);
            caller.size(size);
            warmUp(caller);
            final long startNanos = System.nanoTime();
            final long calls = measureRoundTrips(caller);
            final double seconds = (System.nanoTime() - startNanos) / 1e9;
            emit(new BenchResult(transport.name(), scenario.label(), size, settings.waitMode().label(),
                percentile(50.0), percentile(99.0), percentile(99.9), calls / seconds, null, null, null));
        }
    }

    /**
     * Pingpong that also reads the CPU time the services behind the client spent (chain: A and B; sidecar: the
     * bridge and the upstream server).
     */
    private void pingpongWithServiceCpu(final Caller caller) throws Exception
    {
        for (final int size : sizes)
        {
            progress(size);
            caller.size(size);
            warmUp(caller);
            final long cpuBefore = serviceCpuNanos();
            final long startNanos = System.nanoTime();
            final long calls = measureRoundTrips(caller);
            final double seconds = (System.nanoTime() - startNanos) / 1e9;
            final long cpuNanos = serviceCpuNanos() - cpuBefore;
            emit(new BenchResult(transport.name(), scenario.label(), size, settings.waitMode().label(),
                percentile(50.0), percentile(99.0), percentile(99.9), calls / seconds, null, null,
                Math.max(0, cpuNanos) / NANOS_PER_MICRO / calls));
        }
    }

    private void throughput(final Caller caller) throws Exception
    {
        for (final int size : sizes)
        {
            progress(size);
            caller.size(size);
            warmUpPipeline(caller);
            final long startNanos = System.nanoTime();
            final long limit = iterations > 0 ? iterations : Long.MAX_VALUE;
            final long deadline = startNanos + (iterations > 0 ? HARD_CAP_NANOS : durationNanos);
            final long calls = pipeline(caller, limit, deadline);
            final double seconds = (System.nanoTime() - startNanos) / 1e9;
            emit(new BenchResult(transport.name(), scenario.label(), size, settings.waitMode().label(),
                null, null, null, calls / seconds, calls * (double)size / BYTES_PER_MB / seconds, null, null));
        }
    }

    private void idle(final Caller caller) throws Exception
    {
        caller.size(IDLE_PROBE_SIZE);
        for (int i = 0; i < IDLE_PROBE_CALLS; i++)
        {
            caller.call();
        }
        out.println(PeerProtocol.PROGRESS + transport.name() + " idle");
        out.flush();
        TimeUnit.NANOSECONDS.sleep(idleSettleNanos);
        final long cpuBefore = serviceCpuNanos() + CpuClock.processCpuNanos(ProcessHandle.current().pid());
        final long startNanos = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(durationNanos);
        final long elapsedNanos = System.nanoTime() - startNanos;
        final long cpuNanos = serviceCpuNanos() + CpuClock.processCpuNanos(ProcessHandle.current().pid()) - cpuBefore;
        emit(new BenchResult(transport.name(), scenario.label(), 0, settings.waitMode().label(),
            null, null, null, null, null, 100.0 * Math.max(0, cpuNanos) / elapsedNanos, null));
    }

    private void warmUp(final Caller caller) throws Exception
    {
        final long minCalls = warmedUpOnce ? MIN_WARMUP_CALLS : Math.max(MIN_WARMUP_CALLS, initialWarmupCalls);
        final long hardDeadline = System.nanoTime() + (warmedUpOnce ? HARD_CAP_NANOS : INITIAL_WARMUP_CAP_NANOS);
        final long deadline = System.nanoTime() + nextWarmupNanos();
        for (long calls = 0; calls < minCalls || System.nanoTime() - deadline < 0; calls++)
        {
            caller.call();
            if (System.nanoTime() - hardDeadline > 0)
            {
                break;
            }
        }
    }

    private void warmUpPipeline(final Caller caller) throws Exception
    {
        final boolean first = !warmedUpOnce;
        final long deadline = System.nanoTime() + nextWarmupNanos();
        long calls = pipeline(caller, Long.MAX_VALUE, deadline);
        final long hardDeadline = System.nanoTime() + INITIAL_WARMUP_CAP_NANOS;
        while (first && calls < initialWarmupCalls && System.nanoTime() - hardDeadline < 0)
        {
            calls += pipeline(caller, initialWarmupCalls - calls, hardDeadline);
        }
    }

    /** The first point of a client also warms the JIT up, so it gets the longer warm-up. */
    private long nextWarmupNanos()
    {
        final long nanos = warmedUpOnce ? warmupNanos : Math.max(warmupNanos, initialWarmupNanos);
        warmedUpOnce = true;
        return nanos;
    }

    /**
     * Round trips, one outstanding, timed one by one into the histogram.
     *
     * @return calls made.
     */
    private long measureRoundTrips(final Caller caller) throws Exception
    {
        histogram.reset();
        final long start = System.nanoTime();
        final long limit = iterations > 0 ? iterations : Long.MAX_VALUE;
        final long deadline = start + (iterations > 0 ? HARD_CAP_NANOS : durationNanos);
        final long hardDeadline = start + HARD_CAP_NANOS;
        long calls = 0;
        long now = start;
        while (calls < limit &&
            (now - deadline < 0 || calls < MIN_MEASURED_CALLS) && now - hardDeadline < 0)
        {
            final long callStart = now;
            caller.call();
            now = System.nanoTime();
            histogram.recordValue(Math.min(now - callStart, HIGHEST_TRACKABLE_NANOS));
            calls++;
        }
        return calls;
    }

    /**
     * Keeps one call outstanding on every stream, sweeping the streams in order, until {@code limit} calls have
     * completed or {@code deadline} passes, then drains.
     *
     * @return calls completed.
     */
    private static long pipeline(final Caller caller, final long limit, final long deadline) throws Exception
    {
        final int streams = caller.streams();
        final long hardDeadline = System.nanoTime() + HARD_CAP_NANOS;
        for (int stream = 0; stream < streams; stream++)
        {
            caller.send(stream);
        }
        long completed = 0;
        boolean more = true;
        while (true)
        {
            for (int stream = 0; stream < streams; stream++)
            {
                caller.receive(stream);
                completed++;
                if (more)
                {
                    caller.send(stream);
                }
            }
            if (!more)
            {
                return completed;
            }
            final long now = System.nanoTime();
            more = completed + 2L * streams <= limit && now - deadline < 0 && now - hardDeadline < 0;
        }
    }

    private long serviceCpuNanos()
    {
        long total = 0;
        for (final long pid : cpuPids)
        {
            total += CpuClock.processCpuNanos(pid);
        }
        return total;
    }

    private double percentile(final double percentile)
    {
        return histogram.getValueAtPercentile(percentile) / NANOS_PER_MICRO;
    }

    private void progress(final int size)
    {
        out.println(PeerProtocol.PROGRESS + transport.name() + " " + scenario.label() + " " + size + " B");
        out.flush();
    }

    private void emit(final BenchResult result)
    {
        out.println(PeerProtocol.RESULT + result.toJson());
        out.flush();
    }
}
