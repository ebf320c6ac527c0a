package io.shmipc.bench;

import java.util.ArrayList;
import java.util.List;

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
