package io.shmipc.bench.report;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.RunOutcome;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.transport.ShmTransport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The project's performance targets, checked against one run. They are reports, not assertions: each comes out
 * met, missed, or not measured with the reason.
 */
public final class Targets
{
    /** How a target came out. */
    public enum Status
    {
        /** The run shows the target reached. */
        MET,
        /** The run shows the target not reached. */
        MISSED,
        /** The run lacks a number the target needs. */
        NOT_MEASURED;

        /**
         * @return the word shown in the report.
         */
        public String label()
        {
            return switch (this)
            {
                case MET -> "met";
                case MISSED -> "MISSED";
                case NOT_MEASURED -> "not measured";
            };
        }
    }

    /**
     * One target's outcome.
     *
     * @param description what the target asks.
     * @param status      how it came out.
     * @param detail      the numbers behind it, or why it could not be checked.
     */
    public record Evaluation(String description, Status status, String detail)
    {
    }

    private static final String SHM = ShmTransport.NAME;
    private static final String PINGPONG = "pingpong";
    private static final int SMALL = 64;
    private static final int ONE_MIB = 1 << 20;
    private static final int CHAIN_SIZE = 4096;

    private Targets()
    {
    }

    /**
     * @param outcome a run.
     * @return every target's evaluation, in a fixed order.
     */
    public static List<Evaluation> evaluate(final RunOutcome outcome)
    {
        final List<Evaluation> evaluations = new ArrayList<>();
        evaluations.add(atMost(outcome, "pingpong 64 B: shm p50 ≤ 1.5 × aeron p50",
            PINGPONG, SMALL, "aeron", BenchResult::rttP50Micros, 1.5, "µs"));
        evaluations.add(atMost(outcome, "pingpong 64 B: shm p50 ≤ 1.5 × agrona-ring p50 (core issue's bar)",
            PINGPONG, SMALL, "agrona-ring", BenchResult::rttP50Micros, 1.5, "µs"));
        evaluations.add(atMost(outcome, "pingpong 64 B: shm-rpc p50 ≤ 2 × shm p50 (transport issue's bar)",
            "shm-rpc", PINGPONG, SMALL, SHM, BenchResult::rttP50Micros, 2.0, "µs"));
        evaluations.add(atMost(outcome, "pingpong 64 B: shm p50 ≤ 0.25 × uds p50",
            PINGPONG, SMALL, "uds", BenchResult::rttP50Micros, 0.25, "µs"));
        evaluations.add(atMost(outcome, "pingpong 1 MiB: shm p50 ≤ 0.25 × uds p50",
            PINGPONG, ONE_MIB, "uds", BenchResult::rttP50Micros, 0.25, "µs"));
        evaluations.add(fasterThanUdsEverywhere(outcome));
        evaluations.add(atMost(outcome, "pingpong 64 B: shm p50 ≤ shmipc-go p50 ÷ 5 (5× faster)",
            PINGPONG, SMALL, "shmipc-go", BenchResult::rttP50Micros, 0.2, "µs"));
        evaluations.add(atMost(outcome, "pingpong 1 MiB: shm p50 ≤ shmipc-go p50 ÷ 2 (2× faster)",
            PINGPONG, ONE_MIB, "shmipc-go", BenchResult::rttP50Micros, 0.5, "µs"));
        evaluations.add(throughputAtLeast(outcome));
        evaluations.add(idleAtMost(outcome));
        evaluations.add(atMost(outcome, "chain 4 KiB: shm CPU per call (A+B) ≤ 0.5 × tcp",
            "chain", CHAIN_SIZE, "tcp", BenchResult::cpuMicrosPerCall, 0.5, "µs"));
        evaluations.add(atMost(outcome, "chain 4 KiB: shm end-to-end p99 ≤ 0.3 × tcp p99",
            "chain", CHAIN_SIZE, "tcp", BenchResult::rttP99Micros, 0.3, "µs"));
        return evaluations;
    }

    private static Evaluation atMost(
        final RunOutcome outcome,
        final String description,
        final String scenario,
        final int size,
        final String peer,
        final Function<BenchResult, Double> metric,
        final double factor,
        final String unit)
    {
        return atMost(outcome, description, SHM, scenario, size, peer, metric, factor, unit);
    }

    /** {@code subject}'s metric at most {@code factor} times {@code peer}'s. */
    private static Evaluation atMost(
        final RunOutcome outcome,
        final String description,
        final String subject,
        final String scenario,
        final int size,
        final String peer,
        final Function<BenchResult, Double> metric,
        final double factor,
        final String unit)
    {
        final Double mine = value(outcome.find(subject, scenario, size), metric);
        final Double other = value(outcome.find(peer, scenario, size), metric);
        if (mine == null || other == null)
        {
            return new Evaluation(description, Status.NOT_MEASURED,
                missing(outcome, subject, mine, other, peer, scenario, size));
        }
        final boolean met = mine <= factor * other;
        return new Evaluation(description, met ? Status.MET : Status.MISSED, String.format(Locale.ROOT,
            "%s %s %s, %s %s %s: ratio %s (limit %.2f×)", subject, Format.micros(mine), unit, peer,
            Format.micros(other), unit, Format.ratio(mine, other), factor));
    }

    private static Evaluation fasterThanUdsEverywhere(final RunOutcome outcome)
    {
        final String description = "pingpong: shm p50 < uds p50 at every size";
        final List<String> slower = new ArrayList<>();
        int compared = 0;
        for (final BenchResult result : outcome.results())
        {
            if (!result.transport().equals(SHM) || !result.scenario().equals(PINGPONG))
            {
                continue;
            }
            final BenchResult uds = outcome.find("uds", PINGPONG, result.size());
            if (uds == null || uds.rttP50Micros() == null || result.rttP50Micros() == null)
            {
                continue;
            }
            compared++;
            if (result.rttP50Micros() >= uds.rttP50Micros())
            {
                slower.add(Format.size(result.size()) + " (" + Format.ratio(result.rttP50Micros(), uds.rttP50Micros()) +
                    ")");
            }
        }
        if (compared == 0)
        {
            final String shmReason = outcome.notMeasuredReason(SHM, Scenario.PINGPONG);
            return new Evaluation(description, Status.NOT_MEASURED,
                shmReason != null ? "shm " + shmReason : "no size has both shm and uds pingpong results");
        }
        return slower.isEmpty() ?
            new Evaluation(description, Status.MET, "faster at all " + compared + " sizes") :
            new Evaluation(description, Status.MISSED, "not faster at " + String.join(", ", slower));
    }

    private static Evaluation throughputAtLeast(final RunOutcome outcome)
    {
        final String description = "throughput 64 B: shm ≥ 1 M calls/s";
        final Double shm = value(outcome.find(SHM, "throughput", SMALL), BenchResult::callsPerSecond);
        if (shm == null)
        {
            return new Evaluation(description, Status.NOT_MEASURED,
                missing(outcome, SHM, null, 0.0, null, "throughput", SMALL));
        }
        return new Evaluation(description, shm >= 1e6 ? Status.MET : Status.MISSED,
            "shm " + Format.rate(shm) + " calls/s");
    }

    private static Evaluation idleAtMost(final RunOutcome outcome)
    {
        final String description = "idle: shm client + server ≤ 1 % of a core";
        final Double shm = value(outcome.find(SHM, "idle", 0), BenchResult::cpuPercent);
        if (shm == null)
        {
            return new Evaluation(description, Status.NOT_MEASURED, missing(outcome, SHM, null, 0.0, null, "idle", 0));
        }
        return new Evaluation(description, shm <= 1.0 ? Status.MET : Status.MISSED,
            "shm " + Format.number(shm, 2) + " %");
    }

    private static Double value(final BenchResult result, final Function<BenchResult, Double> metric)
    {
        return result == null ? null : metric.apply(result);
    }

    private static String missing(
        final RunOutcome outcome, final String subject, final Double mine, final Double other, final String peer,
        final String scenario, final int size)
    {
        final String where = scenario + (size > 0 ? " " + Format.size(size) : "");
        final String subjectReason = outcome.notMeasuredReason(subject, Scenario.fromLabel(scenario));
        final String subjectMissing = subjectReason != null ? subject + " " + subjectReason
            : "no " + subject + " result for " + where;
        if (mine == null)
        {
            return other == null && peer != null ? subjectMissing + "; no " + peer + " result either" : subjectMissing;
        }
        final String peerReason = outcome.notMeasuredReason(peer, Scenario.fromLabel(scenario));
        return peerReason != null ? peer + ": " + peerReason : "no " + peer + " result for " + where;
    }
}
