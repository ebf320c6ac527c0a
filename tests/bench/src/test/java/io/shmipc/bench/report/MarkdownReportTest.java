package io.shmipc.bench.report;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.RunOutcome;
import io.shmipc.bench.Scenario;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarkdownReportTest
{
    private static BenchResult pingpong(final String transport, final int size, final double p50)
    {
        return new BenchResult(transport, "pingpong", size, "default", p50, p50 * 2, p50 * 3, 1e6 / p50, null, null,
            null);
    }

    private static RunOutcome outcomeWithShm()
    {
        final RunOutcome outcome = new RunOutcome();
        outcome.results().addAll(List.of(
            pingpong("shm", 64, 1.0), pingpong("aeron", 64, 0.5), pingpong("uds", 64, 8.0),
            pingpong("shm", 1 << 20, 100.0), pingpong("uds", 1 << 20, 300.0),
            new BenchResult("shm", "idle", 0, "default", null, null, null, null, null, 0.5, null)));
        return outcome;
    }

    @Test
    void shouldShowShmOverPeerRatiosWhenShmWasMeasured()
    {
        final String report = MarkdownReport.render(outcomeWithShm(), List.of(Scenario.PINGPONG, Scenario.IDLE),
            List.of("shm", "aeron", "uds"), Map.of("cpu_model", "test cpu"), "Run: test.");

        assertTrue(report.contains("| 64 B | aeron | 0.50 | 1.00 | 1.50 | 2.00 M | 2.00× |"), report);
        assertTrue(report.contains("| 64 B | uds | 8.00 | 16.0 | 24.0 | 125.0 k | 0.13× |"), report);
        assertTrue(report.contains("| 64 B | shm | 1.00 | 2.00 | 3.00 | 1.00 M | — |"), report);
    }

    @Test
    void shouldShowShmRpcOverTcpRpcRatiosInTheSidecarTable()
    {
        final RunOutcome outcome = new RunOutcome();
        outcome.results().addAll(List.of(
            new BenchResult("shm-rpc", "sidecar", 64, "default", 100.0, 200.0, 300.0, 1e4, null, null, 50.0),
            new BenchResult("tcp-rpc", "sidecar", 64, "default", 200.0, 250.0, 400.0, 5e3, null, null, 100.0)));

        final String report = MarkdownReport.render(outcome, List.of(Scenario.SIDECAR), List.of("shm-rpc", "tcp-rpc"),
            Map.of("cpu_model", "test cpu"), "Run: test.");

        assertTrue(report.contains("| 64 B | shm-rpc | 100 | 200 | 300 | 50.0 | — | — | — |"), report);
        assertTrue(report.contains("| 64 B | tcp-rpc | 200 | 250 | 400 | 100 | 0.50× | 0.80× | 0.50× |"), report);
    }

    @Test
    void shouldMarkTargetsMetMissedOrNotMeasured()
    {
        final Map<String, Targets.Status> statuses = new HashMap<>();
        for (final Targets.Evaluation evaluation : Targets.evaluate(outcomeWithShm()))
        {
            statuses.put(evaluation.description(), evaluation.status());
        }

        assertEquals(Targets.Status.MISSED, statuses.get("pingpong 64 B: shm p50 ≤ 1.5 × aeron p50"));
        assertEquals(Targets.Status.MET, statuses.get("pingpong 64 B: shm p50 ≤ 0.25 × uds p50"));
        assertEquals(Targets.Status.MISSED, statuses.get("pingpong 1 MiB: shm p50 ≤ 0.25 × uds p50"));
        assertEquals(Targets.Status.MET, statuses.get("pingpong: shm p50 < uds p50 at every size"));
        assertEquals(Targets.Status.MET, statuses.get("idle: shm client + server ≤ 1 % of a core"));
        assertEquals(Targets.Status.NOT_MEASURED, statuses.get("throughput 64 B: shm ≥ 1 M calls/s"));
    }
}
