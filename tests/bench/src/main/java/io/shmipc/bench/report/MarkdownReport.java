package io.shmipc.bench.report;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.RunOutcome;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.transport.RpcTransport;
import io.shmipc.bench.transport.ShmTransport;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The run as Markdown: one table per scenario with every transport and the ratio {@code shm ÷ transport}
 * ({@code shm-rpc ÷ transport} for sidecar, which runs the two RPC transports only; a transport not measured gets a
 * row saying why), then the targets marked met or missed.
 */
public final class MarkdownReport
{
    private static final String SHM = ShmTransport.NAME;
    private static final String SHM_RPC = RpcTransport.SHM_NAME;

    private final RunOutcome outcome;
    private final List<Scenario> scenarios;
    private final List<String> transports;
    private final StringBuilder out = new StringBuilder();

    private MarkdownReport(final RunOutcome outcome, final List<Scenario> scenarios, final List<String> transports)
    {
        this.outcome = outcome;
        this.scenarios = scenarios;
        this.transports = transports;
    }

    /**
     * @param outcome    the run.
     * @param scenarios  the scenarios asked for, in order.
     * @param transports the transports asked for, in order.
     * @param machine    machine facts.
     * @param runNote    one line about the run (mode, duration).
     * @return the report.
     */
    public static String render(
        final RunOutcome outcome,
        final List<Scenario> scenarios,
        final List<String> transports,
        final Map<String, Object> machine,
        final String runNote)
    {
        final MarkdownReport report = new MarkdownReport(outcome, scenarios, transports);
        report.header(machine, runNote);
        for (final Scenario scenario : scenarios)
        {
            switch (scenario)
            {
                case PINGPONG -> report.pingpong();
                case THROUGHPUT -> report.throughput();
                case IDLE -> report.idle();
                case CHAIN -> report.chain();
                case SIDECAR -> report.sidecar();
                default -> throw new IllegalStateException("unhandled scenario " + scenario);
            }
        }
        report.rounds();
        report.targets();
        return report.out.toString();
    }

    private void header(final Map<String, Object> machine, final String runNote)
    {
        out.append("# shmipc bench\n\n");
        out.append("Machine: ").append(machine.get("cpu_model")).append(", ").append(machine.get("cores"))
            .append(" CPUs, Linux ").append(machine.get("kernel")).append(", Java ").append(machine.get("java_version"))
            .append(".  \nPeers: ").append(machine.get("pinning")).append("; wait mode: ").append(machine.get("wait"))
            .append(".  \n").append(runNote).append("  \n");
        out.append("Only ratios within one run are meaningful. " +
            "`shm ÷ X` below 1 means shm is better for latency and " +
            "CPU; above 1 means shm is better for throughput.\n");
    }

    private void pingpong()
    {
        section("pingpong: round trip with one call outstanding (µs, lower is better)");
        row("size", "transport", "p50", "p99", "p99.9", "calls/s", "shm ÷ transport (p50)");
        row("---:", "---", "---:", "---:", "---:", "---:", "---:");
        forEachSize(Scenario.PINGPONG, (size, result) -> row(Format.size(size), result.transport(),
            Format.micros(result.rttP50Micros()), Format.micros(result.rttP99Micros()),
            Format.micros(result.rttP999Micros()), Format.rate(result.callsPerSecond()),
            shmRatio(Scenario.PINGPONG, size, result, BenchResult::rttP50Micros)));
        notMeasured(Scenario.PINGPONG, true, 7);
    }

    private void throughput()
    {
        section("throughput: 32 streams pipelined (higher is better)");
        row("size", "transport", "calls/s", "MB/s", "shm ÷ transport (calls/s)");
        row("---:", "---", "---:", "---:", "---:");
        forEachSize(Scenario.THROUGHPUT, (size, result) -> row(Format.size(size), result.transport(),
            Format.rate(result.callsPerSecond()), Format.number(result.mbPerSecond(), 1),
            shmRatio(Scenario.THROUGHPUT, size, result, BenchResult::callsPerSecond)));
        notMeasured(Scenario.THROUGHPUT, true, 5);
    }

    private void idle()
    {
        section("idle: connection open, no calls (CPU % of one core, client + server, lower is better)");
        row("transport", "CPU %", "shm ÷ transport");
        row("---", "---:", "---:");
        for (final String transport : transports)
        {
            final BenchResult result = outcome.find(transport, Scenario.IDLE.label(), 0);
            if (result != null)
            {
                row(transport, Format.number(result.cpuPercent(), 2),
                    shmRatio(Scenario.IDLE, 0, result, BenchResult::cpuPercent));
            }
        }
        notMeasured(Scenario.IDLE, false, 3);
    }

    private void chain()
    {
        section("chain: client → A → B, 4 KiB requests (lower is better)");
        row("size", "transport", "CPU µs/call (A+B)", "p50 µs", "p99 µs", "p99.9 µs", "shm ÷ transport (CPU)",
            "shm ÷ transport (p99)");
        row("---:", "---", "---:", "---:", "---:", "---:", "---:", "---:");
        forEachSize(Scenario.CHAIN, (size, result) -> row(Format.size(size), result.transport(),
            Format.micros(result.cpuMicrosPerCall()), Format.micros(result.rttP50Micros()),
            Format.micros(result.rttP99Micros()), Format.micros(result.rttP999Micros()),
            shmRatio(Scenario.CHAIN, size, result, BenchResult::cpuMicrosPerCall),
            shmRatio(Scenario.CHAIN, size, result, BenchResult::rttP99Micros)));
        notMeasured(Scenario.CHAIN, true, 8);
    }

    private void sidecar()
    {
        section("sidecar: app → bridge → TCP server, the app's hop to the bridge over shm-rpc or tcp-rpc " +
            "(lower is better)");
        row("size", "app → bridge", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/call (bridge+server)",
            "shm-rpc ÷ transport (p50)", "shm-rpc ÷ transport (p99)", "shm-rpc ÷ transport (CPU)");
        row("---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
        forEachSize(Scenario.SIDECAR, (size, result) -> row(Format.size(size), result.transport(),
            Format.micros(result.rttP50Micros()), Format.micros(result.rttP99Micros()),
            Format.micros(result.rttP999Micros()), Format.micros(result.cpuMicrosPerCall()),
            ratio(SHM_RPC, Scenario.SIDECAR, size, result, BenchResult::rttP50Micros),
            ratio(SHM_RPC, Scenario.SIDECAR, size, result, BenchResult::rttP99Micros),
            ratio(SHM_RPC, Scenario.SIDECAR, size, result, BenchResult::cpuMicrosPerCall)));
        notMeasured(Scenario.SIDECAR, true, 9);
    }

    private void targets()
    {
        out.append("\n## Targets (reported, not asserted)\n\n");
        row("target", "result", "numbers");
        row("---", "---", "---");
        for (final Targets.Evaluation evaluation : Targets.evaluate(outcome))
        {
            row(evaluation.description(), evaluation.status().label(), evaluation.detail());
        }
    }

    /**
     * For a run of several rounds: every round's value per point, so a reader sees how much the median round
     * stands for (a point whose rounds differ by a factor was measured in different machine states).
     */
    private void rounds()
    {
        if (outcome.results().stream().allMatch(result -> outcome.roundValues(result).isEmpty()))
        {
            return;
        }
        section("rounds: each round's value per point, in the order run (the tables show the median round)");
        row("scenario", "size", "transport", "value", "rounds");
        row("---", "---:", "---", "---", "---");
        for (final BenchResult result : outcome.results())
        {
            final List<Double> values = outcome.roundValues(result);
            final boolean latency = result.rttP50Micros() != null;
            final boolean rate = !latency && result.callsPerSecond() != null;
            final StringBuilder cells = new StringBuilder();
            for (final Double value : values)
            {
                cells.append(cells.length() == 0 ? "" : ", ")
                    .append(latency ? Format.micros(value) : rate ? Format.rate(value) : Format.number(value, 2));
            }
            row(result.scenario(), Format.size(result.size()), result.transport(),
                latency ? "p50 µs" : rate ? "calls/s" : "CPU %", cells.toString());
        }
    }

    private void section(final String title)
    {
        out.append("\n## ").append(title).append("\n\n");
    }

    private interface RowWriter
    {
        void write(int size, BenchResult result);
    }

    private void forEachSize(final Scenario scenario, final RowWriter writer)
    {
        final TreeSet<Integer> sizes = new TreeSet<>();
        for (final BenchResult result : outcome.results())
        {
            if (result.scenario().equals(scenario.label()))
            {
                sizes.add(result.size());
            }
        }
        for (final int size : sizes)
        {
            for (final String transport : transports)
            {
                final BenchResult result = outcome.find(transport, scenario.label(), size);
                if (result != null)
                {
                    writer.write(size, result);
                }
            }
        }
    }

    private String shmRatio(
        final Scenario scenario, final int size, final BenchResult peer, final Function<BenchResult, Double> metric)
    {
        return ratio(SHM, scenario, size, peer, metric);
    }

    private String ratio(
        final String baseline,
        final Scenario scenario,
        final int size,
        final BenchResult peer,
        final Function<BenchResult, Double> metric)
    {
        if (peer.transport().equals(baseline))
        {
            return "—";
        }
        final BenchResult base = outcome.find(baseline, scenario.label(), size);
        return base == null ? Format.NONE : Format.ratio(metric.apply(base), metric.apply(peer));
    }

    /**
     * Adds a row for each transport asked for but not measured in this scenario, with the reason in place of its
     * numbers, so an unavailable transport shows in the table itself.
     */
    private void notMeasured(final Scenario scenario, final boolean hasSizeColumn, final int columns)
    {
        for (final String transport : transports)
        {
            final String reason = outcome.notMeasuredReason(transport, scenario);
            if (reason != null)
            {
                final String[] cells = new String[columns];
                Arrays.fill(cells, "");
                int column = 0;
                if (hasSizeColumn)
                {
                    cells[column++] = "all";
                }
                cells[column++] = transport;
                cells[column] = reason;
                cells[columns - 1] = Format.NONE;
                row(cells);
            }
        }
    }

    private void row(final String... cells)
    {
        out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
