package io.shmipc.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one harness run produced: the results, and each (transport, scenario) pair that was not measured and why.
 */
public final class RunOutcome
{
    /**
     * A pair that produced no result.
     *
     * @param transport transport name.
     * @param scenario  scenario.
     * @param reason    why: unavailable, not implemented, or the failure.
     * @param failed    true when it was attempted and failed.
     */
    public record NotMeasured(String transport, Scenario scenario, String reason, boolean failed)
    {
    }

    private final List<BenchResult> results = new ArrayList<>();
    private final List<NotMeasured> notMeasured = new ArrayList<>();
    /** For a run of several rounds: each round's headline value of every result, in round order. */
    private final Map<BenchResult, List<Double>> roundValues = new HashMap<>();

    /**
     * Several rounds as one outcome: per point (transport, scenario, size) the result of the median round by its
     * headline value ({@link #headline}), so one slow or fast round does not decide a ratio; every round's headline
     * value is kept ({@link #roundValues}). A pair not measured or failed in any round is reported as such.
     *
     * @param rounds the rounds, in the order they ran.
     * @return the merged outcome.
     */
    public static RunOutcome medianOf(final List<RunOutcome> rounds)
    {
        final RunOutcome merged = new RunOutcome();
        final Map<String, List<BenchResult>> byPoint = new LinkedHashMap<>();
        for (final RunOutcome round : rounds)
        {
            for (final BenchResult result : round.results)
            {
                byPoint.computeIfAbsent(result.transport() + '|' + result.scenario() + '|' + result.size(),
                    key -> new ArrayList<>()).add(result);
            }
            for (final NotMeasured entry : round.notMeasured)
            {
                final String reason = merged.notMeasuredReason(entry.transport(), entry.scenario());
                if (reason == null)
                {
                    merged.notMeasured.add(entry);
                }
                else if (entry.failed() && !merged.anyFailed(entry.transport(), entry.scenario()))
                {
                    merged.notMeasured.removeIf(e -> e.transport().equals(entry.transport()) &&
                        e.scenario() == entry.scenario());
                    merged.notMeasured.add(entry);
                }
            }
        }
        for (final List<BenchResult> point : byPoint.values())
        {
            final List<Double> values = new ArrayList<>();
            for (final BenchResult result : point)
            {
                values.add(headline(result));
            }
            final List<BenchResult> sorted = new ArrayList<>(point);
            sorted.sort(Comparator.comparing(RunOutcome::headline, Comparator.nullsLast(Comparator.naturalOrder())));
            final BenchResult median = sorted.get((sorted.size() - 1) / 2);
            merged.results.add(median);
            merged.roundValues.put(median, values);
        }
        return merged;
    }

    /**
     * @return the value a point is judged by: round-trip p50, else calls per second, else CPU %.
     */
    public static Double headline(final BenchResult result)
    {
        if (result.rttP50Micros() != null)
        {
            return result.rttP50Micros();
        }
        return result.callsPerSecond() != null ? result.callsPerSecond() : result.cpuPercent();
    }

    /**
     * @return each round's headline value for the point of {@code result}, in round order; empty for a single round.
     */
    public List<Double> roundValues(final BenchResult result)
    {
        return roundValues.getOrDefault(result, List.of());
    }

    /**
     * @return the results, in measurement order; mutable while the run goes on.
     */
    public List<BenchResult> results()
    {
        return results;
    }

    /**
     * @return the pairs that were not measured.
     */
    public List<NotMeasured> notMeasured()
    {
        return notMeasured;
    }

    void notMeasured(final String transport, final Scenario scenario, final String reason, final boolean failed)
    {
        notMeasured.add(new NotMeasured(transport, scenario, reason, failed));
    }

    /**
     * @return true when some pair was attempted and failed.
     */
    public boolean anyFailed()
    {
        return notMeasured.stream().anyMatch(NotMeasured::failed);
    }

    private boolean anyFailed(final String transport, final Scenario scenario)
    {
        return notMeasured.stream().anyMatch(e -> e.failed() && e.transport().equals(transport) &&
            e.scenario() == scenario);
    }

    /**
     * @param transport a transport name.
     * @param scenario  a scenario label.
     * @param size      a payload size.
     * @return the result, or null.
     */
    public BenchResult find(final String transport, final String scenario, final int size)
    {
        for (final BenchResult result : results)
        {
            if (result.transport().equals(transport) && result.scenario().equals(scenario) && result.size() == size)
            {
                return result;
            }
        }
        return null;
    }

    /**
     * @param transport a transport name.
     * @param scenario  a scenario.
     * @return why the pair was not measured, or null when it was (or was not asked for).
     */
    public String notMeasuredReason(final String transport, final Scenario scenario)
    {
        for (final NotMeasured entry : notMeasured)
        {
            if (entry.transport().equals(transport) && entry.scenario() == scenario)
            {
                return entry.reason();
            }
        }
        return null;
    }
}
