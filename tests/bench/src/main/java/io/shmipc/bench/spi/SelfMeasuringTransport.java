package io.shmipc.bench.spi;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.ProgressLine;
import io.shmipc.bench.Scenario;

import java.util.List;

/**
 * A transport whose client and server are not JVMs and which measures itself (e.g. the shmipc-go pair): the harness
 * hands it the plan and ingests the results it returns instead of forking {@link io.shmipc.bench.peer.PeerMain}.
 * Its {@link #startServer} and {@link #connect} are never called.
 */
public interface SelfMeasuringTransport extends BenchTransport
{
    /**
     * Runs one scenario over all sizes.
     *
     * @param run what to measure and how.
     * @return one result per size measured.
     * @throws Exception when the run fails; a payload mismatch must surface as
     *                   {@link io.shmipc.bench.PayloadMismatchException}.
     */
    List<BenchResult> measure(SelfMeasuredRun run) throws Exception;

    @Override
    default BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
    {
        throw new UnsupportedOperationException(name() + " measures itself; it has no JVM server");
    }

    @Override
    default BenchClient connect(final TransportSettings settings, final String endpoint)
    {
        throw new UnsupportedOperationException(name() + " measures itself; it has no JVM client");
    }

    /**
     * What a self-measuring transport is asked to run.
     *
     * @param scenario        the scenario.
     * @param sizes           payload sizes in bytes.
     * @param settings        transport settings (wait mode, streams).
     * @param durationMillis  measured time per size, when {@code iterations} is 0 (idle: the CPU window).
     * @param iterations      measured calls per size, or 0 to run for {@code durationMillis}.
     * @param warmupMillis    warm-up time per size.
     * @param initialWarmupMillis warm-up time before the first size.
     * @param idleSettleMillis    idle: time between the last call and the start of the CPU measurement.
     * @param serverCommandPrefix command prefix (e.g. {@code taskset -c 1}) for the server process, maybe empty.
     * @param clientCommandPrefix command prefix for the client process, maybe empty.
     * @param timeoutMillis   the most the whole run may take before it is killed.
     * @param progress        where to report what is being measured.
     * @param corruptFromCall test only: 0, or the call from which the server must corrupt its responses.
     */
    record SelfMeasuredRun(
        Scenario scenario,
        int[] sizes,
        TransportSettings settings,
        long durationMillis,
        long iterations,
        long warmupMillis,
        long initialWarmupMillis,
        long idleSettleMillis,
        List<String> serverCommandPrefix,
        List<String> clientCommandPrefix,
        long timeoutMillis,
        ProgressLine progress,
        long corruptFromCall)
    {
    }
}
