package io.shmipc.bench;

import io.shmipc.bench.report.MarkdownReport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunOutcomeTest
{
    private static BenchResult pingpong(final String transport, final double p50)
    {
        return new BenchResult(transport, "pingpong", 64, "default", p50, p50 * 2, p50 * 3, 1e6 / p50, null, null,
            null);
    }

    private static RunOutcome round(final BenchResult... results)
    {
        final RunOutcome outcome = new RunOutcome();
        outcome.results().addAll(List.of(results));
        return outcome;
    }

    @Test
    void shouldKeepTheMedianRoundOfEveryPointAndEveryRoundsValue()
    {
        final RunOutcome merged = RunOutcome.medianOf(List.of(
            round(pingpong("shm", 0.50), pingpong("shm-rpc", 2.10)),
            round(pingpong("shm", 1.45), pingpong("shm-rpc", 0.98)),
            round(pingpong("shm", 0.48), pingpong("shm-rpc", 1.02))));

        final BenchResult shm = merged.find("shm", "pingpong", 64);
        final BenchResult rpc = merged.find("shm-rpc", "pingpong", 64);
        assertEquals(0.50, shm.rttP50Micros());
        assertEquals(1.00, shm.rttP99Micros(), "the whole median round is kept, not a mix of rounds");
        assertEquals(1.02, rpc.rttP50Micros());
        assertEquals(List.of(0.50, 1.45, 0.48), merged.roundValues(shm));
        assertEquals(List.of(2.10, 0.98, 1.02), merged.roundValues(rpc));
        assertEquals(2, merged.results().size());
    }

    @Test
    void shouldReportAPairFailedWhenItFailedInAnyRound()
    {
        final RunOutcome first = round(pingpong("shm", 0.5));
        first.notMeasured("aeron", Scenario.PINGPONG, "not installed", false);
        final RunOutcome second = round(pingpong("shm", 0.5));
        second.notMeasured("uds", Scenario.PINGPONG, "FAILED: peer died", true);
        final RunOutcome third = round(pingpong("shm", 0.5), pingpong("uds", 8.0));
        third.notMeasured("aeron", Scenario.PINGPONG, "not installed", false);

        final RunOutcome merged = RunOutcome.medianOf(List.of(first, second, third));

        assertTrue(merged.anyFailed());
        assertEquals("FAILED: peer died", merged.notMeasuredReason("uds", Scenario.PINGPONG));
        assertEquals(1, merged.notMeasured().stream().filter(e -> e.transport().equals("aeron")).count());
        assertEquals(List.of(8.0), merged.roundValues(merged.find("uds", "pingpong", 64)));
    }

    @Test
    void shouldListEveryRoundInTheReportOnlyWhenThereWereSeveral()
    {
        final Map<String, Object> machine = Map.of("cpu_model", "test cpu");
        final RunOutcome merged = RunOutcome.medianOf(List.of(round(pingpong("shm", 0.5)),
            round(pingpong("shm", 1.5)), round(pingpong("shm", 0.6))));
        final String report = MarkdownReport.render(merged, List.of(Scenario.PINGPONG), List.of("shm"), machine,
            "Run: test.");
        assertTrue(report.contains("| pingpong | 64 B | shm | p50 µs | 0.50, 1.50, 0.60 |"), report);
        assertTrue(report.contains("| 64 B | shm | 0.60 |"), report);

        final String single = MarkdownReport.render(round(pingpong("shm", 0.5)), List.of(Scenario.PINGPONG),
            List.of("shm"), machine, "Run: test.");
        assertFalse(single.contains("rounds:"), single);
    }

    @Test
    void shouldAcceptRoundsWithinTheLimitOnly()
    {
        assertEquals(3, BenchOptions.parse(new String[] {"--rounds", "3"}).rounds());
        assertEquals(1, BenchOptions.parse(new String[0]).rounds());
        assertThrows(IllegalArgumentException.class,
            () -> BenchOptions.parse(new String[] {"--rounds", String.valueOf(BenchOptions.MAX_ROUNDS + 1)}));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--rounds", "0"}));
    }
}
