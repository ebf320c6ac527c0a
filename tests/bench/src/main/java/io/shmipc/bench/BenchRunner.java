package io.shmipc.bench;

import io.shmipc.bench.peer.PeerMain;
import io.shmipc.bench.peer.PeerProtocol;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.SelfMeasuringTransport;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.bench.transport.RpcTransport;
import io.shmipc.bench.transport.Transports;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs every (scenario, transport) pair of a plan, scenario by scenario so that one scenario's transports are
 * measured close together in time. Each pair gets fresh peer processes. A payload mismatch aborts the whole run;
 * any other failure is recorded and the run goes on.
 */
final class BenchRunner
{
    /** Streams the throughput scenario keeps busy. */
    static final int THROUGHPUT_STREAMS = 32;
    private static final int IDLE_PROBE_SIZE = 64;
    private static final long READY_TIMEOUT_MILLIS = 60_000;
    /** Slack per point on top of its warm-up and measurement: JIT, connection set-up, a slow large payload. */
    private static final long SLACK_PER_POINT_MILLIS = 15_000;
    private static final long SLACK_PER_RUN_MILLIS = 60_000;
    /** Per point when counting iterations: the peers' own hard cap per measurement, plus warm-up. */
    private static final long ITERATIONS_CAP_PER_POINT_MILLIS = 120_000;
    private static final long OPERATION_TIMEOUT_MILLIS = 30_000;
    /** The most a client's first warm-up may take, whatever its call count (matches the peers' cap). */
    private static final long INITIAL_WARMUP_CAP_MILLIS = 15_000;

    private final BenchOptions options;
    private final JvmLauncher launcher;
    private final CpuPinning pinning;
    private final ProgressLine progress;

    BenchRunner(
        final BenchOptions options, final JvmLauncher launcher, final CpuPinning pinning, final ProgressLine progress)
    {
        this.options = options;
        this.launcher = launcher;
        this.pinning = pinning;
        this.progress = progress;
    }

    /**
     * @return how many steps {@link #run} takes, for the progress line.
     */
    static int steps(final BenchOptions options)
    {
        int steps = 0;
        for (final Scenario scenario : options.scenarios())
        {
            for (final String name : options.transports())
            {
                steps += runsIn(scenario, name) ? 1 : 0;
            }
        }
        return steps * options.rounds();
    }

    /**
     * The sidecar scenario compares the app's hop to the bridge over {@code shm-rpc} and {@code tcp-rpc} only: the
     * bridge speaks TTHeader RPC, so no other transport can reach it, and listing them all as not measured would
     * say nothing.
     */
    private static boolean runsIn(final Scenario scenario, final String transport)
    {
        return scenario != Scenario.SIDECAR || SidecarBridge.APP_TRANSPORTS.contains(transport);
    }

    /**
     * @return every result and every pair that was not measured, with the reason.
     * @throws PayloadMismatchException when any peer saw a corrupted payload.
     * @throws InterruptedException when interrupted.
     */
    RunOutcome run() throws InterruptedException
    {
        if (options.rounds() == 1)
        {
            return runRound("");
        }
        final List<RunOutcome> rounds = new ArrayList<>();
        for (int round = 0; round < options.rounds(); round++)
        {
            rounds.add(runRound(" (round " + (round + 1) + "/" + options.rounds() + ")"));
        }
        return RunOutcome.medianOf(rounds);
    }

    /**
     * Every transport in every scenario once.
     */
    private RunOutcome runRound(final String roundLabel) throws InterruptedException
    {
        final RunOutcome outcome = new RunOutcome();
        for (final Scenario scenario : options.scenarios())
        {
            for (final String name : options.transports())
            {
                if (!runsIn(scenario, name))
                {
                    continue;
                }
                final BenchTransport transport = Transports.byName(name);
                progress.step(scenario.label() + " " + name + roundLabel);
                final String unavailable = transport.unavailableReason();
                if (unavailable != null)
                {
                    outcome.notMeasured(name, scenario, unavailable, false);
                    continue;
                }
                if (!transport.supports(scenario))
                {
                    outcome.notMeasured(name, scenario, "not implemented for " + scenario.label(), false);
                    continue;
                }
                try
                {
                    outcome.results().addAll(transport instanceof SelfMeasuringTransport selfMeasuring ?
                        runSelfMeasuring(selfMeasuring, scenario) : runJvmPeers(transport, scenario));
                }
                catch (final PayloadMismatchException | InterruptedException e)
                {
                    throw e;
                }
                catch (final Exception e)
                {
                    final String message = e.getMessage() == null ? e.toString() : e.getMessage();
                    progress.message("shmipc bench: " + scenario.label() + " " + name + " FAILED: " + message);
                    outcome.notMeasured(name, scenario, "FAILED: " + firstLine(message), true);
                }
            }
        }
        return outcome;
    }

    private int[] sizesFor(final Scenario scenario)
    {
        return switch (scenario)
        {
            case IDLE -> new int[]{IDLE_PROBE_SIZE};
            case CHAIN -> new int[]{BenchOptions.CHAIN_SIZE};
            case SIDECAR -> BenchOptions.SIDECAR_SIZES.clone();
            default -> options.sizes();
        };
    }

    private long measureMillisFor(final Scenario scenario)
    {
        return switch (scenario)
        {
            case IDLE -> options.idleMeasureMillis();
            case CHAIN -> options.chainMeasureMillis();
            case SIDECAR -> options.sidecarMeasureMillis();
            default -> options.measureMillis();
        };
    }

    private long timeoutMillisFor(final Scenario scenario)
    {
        final int points = sizesFor(scenario).length;
        final long perPoint = options.iterations() > 0 && scenario != Scenario.IDLE ?
            ITERATIONS_CAP_PER_POINT_MILLIS :
            measureMillisFor(scenario) + options.warmupMillis() + options.idleSettleMillis() + SLACK_PER_POINT_MILLIS;
        return SLACK_PER_RUN_MILLIS + INITIAL_WARMUP_CAP_MILLIS + points * perPoint;
    }

    private List<BenchResult> runSelfMeasuring(final SelfMeasuringTransport transport, final Scenario scenario)
        throws Exception
    {
        final int streams = scenario == Scenario.THROUGHPUT ? THROUGHPUT_STREAMS : 1;
        final int[] sizes = sizesFor(scenario);
        return transport.measure(new SelfMeasuringTransport.SelfMeasuredRun(
            scenario,
            sizes,
            new TransportSettings(options.waitMode(), max(sizes), streams,
                TimeUnit.MILLISECONDS.toNanos(OPERATION_TIMEOUT_MILLIS)),
            measureMillisFor(scenario),
            scenario == Scenario.IDLE ? 0 : options.iterations(),
            options.warmupMillis(),
            options.initialWarmupMillis(),
            options.idleSettleMillis(),
            pinning.prefixFor(CpuPinning.SERVER_SLOT),
            pinning.prefixFor(CpuPinning.CLIENT_SLOT),
            timeoutMillisFor(scenario),
            progress,
            options.corruptFromCall()));
    }

    private List<BenchResult> runJvmPeers(final BenchTransport transport, final Scenario scenario) throws Exception
    {
        final int streams = scenario == Scenario.THROUGHPUT ? THROUGHPUT_STREAMS : 1;
        final int[] sizes = sizesFor(scenario);
        final String name = transport.name();
        final List<PeerProcess> servers = new ArrayList<>();
        SidecarBridge bridge = null;
        try
        {
            final String endpoint;
            final List<Long> cpuPids = new ArrayList<>();
            if (scenario == Scenario.CHAIN)
            {
                final PeerProcess serviceB = startServer(name + " service B", transport, sizes, streams,
                    CpuPinning.DOWNSTREAM_SLOT, null, options.corruptFromCall());
                servers.add(serviceB);
                final String endpointB = serviceB.awaitReady(READY_TIMEOUT_MILLIS);
                final PeerProcess serviceA = startServer(name + " service A", transport, sizes, streams,
                    CpuPinning.SERVER_SLOT, endpointB, 0);
                servers.add(serviceA);
                cpuPids.add(serviceA.pid());
                cpuPids.add(serviceB.pid());
                endpoint = serviceA.awaitReady(READY_TIMEOUT_MILLIS);
            }
            else if (scenario == Scenario.SIDECAR)
            {
                // The bridge forwards over TCP whatever the app's hop, so the upstream is always a tcp-rpc server;
                // it and the bridge sit where the chain's services do.
                final PeerProcess upstream = startServer(name + " upstream", Transports.byName(RpcTransport.TCP_NAME),
                    sizes, streams, CpuPinning.DOWNSTREAM_SLOT, null, options.corruptFromCall());
                servers.add(upstream);
                bridge = SidecarBridge.start(name + " bridge", launcher, pinning.prefixFor(CpuPinning.SERVER_SLOT),
                    upstream.awaitReady(READY_TIMEOUT_MILLIS), READY_TIMEOUT_MILLIS);
                servers.add(bridge.process());
                cpuPids.add(bridge.process().pid());
                cpuPids.add(upstream.pid());
                endpoint = bridge.endpointFor(name);
            }
            else
            {
                final PeerProcess server = startServer(name + " server", transport, sizes, streams,
                    CpuPinning.SERVER_SLOT, null, options.corruptFromCall());
                servers.add(server);
                cpuPids.add(server.pid());
                endpoint = server.awaitReady(READY_TIMEOUT_MILLIS);
            }

            final List<String> clientArgs = new ArrayList<>(List.of(PeerProtocol.ROLE_CLIENT,
                "--transport", name,
                "--endpoint", endpoint,
                "--scenario", scenario.label(),
                "--sizes", join(sizes),
                "--wait", options.waitMode().label(),
                "--streams", Integer.toString(streams),
                "--duration-ms", Long.toString(measureMillisFor(scenario)),
                "--iterations", Long.toString(scenario == Scenario.IDLE ? 0 : options.iterations()),
                "--warmup-ms", Long.toString(options.warmupMillis()),
                "--initial-warmup-ms",
                Long.toString(Math.max(options.initialWarmupMillis(), transport.minInitialWarmupMillis())),
                "--initial-warmup-calls", Long.toString(options.initialWarmupCalls()),
                "--idle-settle-ms", Long.toString(options.idleSettleMillis()),
                "--timeout-ms", Long.toString(OPERATION_TIMEOUT_MILLIS),
                "--cpu-pids", join(cpuPids)));
            try (PeerProcess client = PeerProcess.start(name + " client",
                launcher.command(pinning.prefixFor(CpuPinning.CLIENT_SLOT), PeerMain.class.getName(), clientArgs)))
            {
                return PeerOutput.collect(client, servers, timeoutMillisFor(scenario), progress);
            }
        }
        finally
        {
            for (int i = servers.size() - 1; i >= 0; i--)
            {
                servers.get(i).close();
            }
            if (bridge != null)
            {
                bridge.close();
            }
        }
    }

    private PeerProcess startServer(
        final String peerName,
        final BenchTransport transport,
        final int[] sizes,
        final int streams,
        final int slot,
        final String downstream,
        final long corruptFromCall) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of(PeerProtocol.ROLE_SERVER,
            "--transport", transport.name(),
            "--wait", options.waitMode().label(),
            "--max-payload", Integer.toString(max(sizes)),
            "--streams", Integer.toString(streams),
            "--timeout-ms", Long.toString(OPERATION_TIMEOUT_MILLIS)));
        if (downstream != null)
        {
            args.addAll(List.of("--downstream", downstream));
        }
        if (corruptFromCall > 0)
        {
            args.addAll(List.of("--corrupt-after", Long.toString(corruptFromCall)));
        }
        return PeerProcess.start(peerName,
            launcher.command(pinning.prefixFor(slot), PeerMain.class.getName(), args));
    }

    private static int max(final int[] values)
    {
        int max = 0;
        for (final int value : values)
        {
            max = Math.max(max, value);
        }
        return max;
    }

    private static String join(final int[] values)
    {
        final StringBuilder joined = new StringBuilder();
        for (final int value : values)
        {
            joined.append(joined.isEmpty() ? "" : ",").append(value);
        }
        return joined.toString();
    }

    private static String join(final List<Long> values)
    {
        final StringBuilder joined = new StringBuilder();
        for (final long value : values)
        {
            joined.append(joined.isEmpty() ? "" : ",").append(value);
        }
        return joined.toString();
    }

    private static String firstLine(final String message)
    {
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
