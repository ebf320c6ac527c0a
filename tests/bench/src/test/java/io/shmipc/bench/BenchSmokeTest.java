package io.shmipc.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the real harness in this JVM: it forks real client and server JVMs per transport.
 */
class BenchSmokeTest
{
    private static final byte[] PNG_SIGNATURE = {(byte)0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldMeasureEveryTransportAndWriteJsonAndChartWhenRunWithIterations() throws Exception
    {
        final Path json = tempDir.resolve("bench.json");
        final Path chart = tempDir.resolve("bench.png");
        final Run run = run("--transports", "shm,tcp,uds,agrona-ring", "--sizes", "64,4096", "--scenario", "pingpong",
            "--iterations", "2000", "--json", json.toString(), "--chart", chart.toString());

        assertEquals(BenchMain.EXIT_OK, run.exitCode, run.err);
        assertTrue(run.out.contains("| 4 KiB | agrona-ring |"), run.out);
        assertTrue(run.out.contains("| 4 KiB | shm |"), run.out);

        final Map<?, ?> document = assertInstanceOf(Map.class, Json.parse(Files.readString(json)));
        assertEquals(Set.of("machine", "results"), document.keySet());
        final Map<?, ?> machine = assertInstanceOf(Map.class, document.get("machine"));
        assertNotNull(machine.get("cpu_model"));
        assertNotNull(machine.get("kernel"));
        assertNotNull(machine.get("java_version"));

        final List<?> results = assertInstanceOf(List.class, document.get("results"));
        final Set<String> measured = new HashSet<>();
        for (final Object item : results)
        {
            final Map<?, ?> result = assertInstanceOf(Map.class, item);
            assertEquals(Set.of("transport", "scenario", "size", "wait", "rtt_p50_us", "rtt_p99_us", "rtt_p999_us",
                "calls_per_s", "mb_per_s", "cpu_pct", "cpu_us_per_call"), result.keySet());
            assertEquals("pingpong", result.get("scenario"));
            assertEquals("default", result.get("wait"));
            final double p50 = (Double)result.get("rtt_p50_us");
            assertTrue(p50 > 0, result.toString());
            assertTrue((Double)result.get("rtt_p99_us") >= p50, result.toString());
            assertTrue((Double)result.get("rtt_p999_us") >= (Double)result.get("rtt_p99_us"), result.toString());
            assertTrue((Double)result.get("calls_per_s") > 0, result.toString());
            assertEquals(null, result.get("cpu_pct"));
            measured.add(result.get("transport") + "/" + Math.round((Double)result.get("size")));
        }
        assertEquals(Set.of("shm/64", "shm/4096", "tcp/64", "tcp/4096", "uds/64", "uds/4096", "agrona-ring/64",
            "agrona-ring/4096"), measured);

        final byte[] image = Files.readAllBytes(chart);
        assertTrue(image.length > 1000, "chart is only " + image.length + " bytes");
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(image, PNG_SIGNATURE.length));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldReportThroughputIdleCpuAndChainCpuPerCallForTcp() throws Exception
    {
        final Path json = tempDir.resolve("scenarios.json");
        final Run run = run("--transports", "tcp", "--sizes", "1024", "--scenario", "throughput,idle,chain", "--quick",
            "--json", json.toString());

        assertEquals(BenchMain.EXIT_OK, run.exitCode, run.err);
        final Map<?, ?> document = assertInstanceOf(Map.class, Json.parse(Files.readString(json)));
        final Map<String, Map<?, ?>> byScenario = new HashMap<>();
        for (final Object item : assertInstanceOf(List.class, document.get("results")))
        {
            final Map<?, ?> result = assertInstanceOf(Map.class, item);
            byScenario.put((String)result.get("scenario"), result);
        }
        assertEquals(Set.of("throughput", "idle", "chain"), byScenario.keySet());

        final Map<?, ?> throughput = byScenario.get("throughput");
        assertEquals(1024.0, throughput.get("size"));
        assertTrue((Double)throughput.get("calls_per_s") > 0, throughput.toString());
        assertEquals((Double)throughput.get("calls_per_s") * 1024 / 1e6, (Double)throughput.get("mb_per_s"), 1e-6);
        assertEquals(null, throughput.get("rtt_p50_us"));

        final Map<?, ?> idle = byScenario.get("idle");
        assertTrue((Double)idle.get("cpu_pct") >= 0 && (Double)idle.get("cpu_pct") < 200, idle.toString());

        final Map<?, ?> chain = byScenario.get("chain");
        assertEquals((double)BenchOptions.CHAIN_SIZE, chain.get("size"));
        assertTrue((Double)chain.get("cpu_us_per_call") > 0, chain.toString());
        assertTrue((Double)chain.get("rtt_p99_us") > 0, chain.toString());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldMeasureRpcOverShmWithBothServerModesAndOverTcpInPingpongAndThroughput() throws Exception
    {
        final Path json = tempDir.resolve("rpc.json");
        final Run run = run("--transports", "shm-rpc,shm-rpc-blocking,tcp-rpc", "--sizes", "64,200000", "--scenario",
            "pingpong,throughput", "--iterations", "500", "--json", json.toString());

        assertEquals(BenchMain.EXIT_OK, run.exitCode, run.err);
        assertTrue(run.out.contains("| 64 B | shm-rpc |"), run.out);
        assertTrue(run.out.contains("| 64 B | shm-rpc-blocking |"), run.out);
        final Set<String> measured = new HashSet<>();
        for (final Object item : assertInstanceOf(List.class,
            assertInstanceOf(Map.class, Json.parse(Files.readString(json))).get("results")))
        {
            final Map<?, ?> result = assertInstanceOf(Map.class, item);
            assertTrue((Double)result.get("calls_per_s") > 0, result.toString());
            if ("pingpong".equals(result.get("scenario")))
            {
                assertTrue((Double)result.get("rtt_p50_us") > 0, result.toString());
            }
            measured.add(result.get("transport") + "/" + result.get("scenario") + "/" +
                Math.round((Double)result.get("size")));
        }
        assertEquals(Set.of("shm-rpc/pingpong/64", "shm-rpc/pingpong/200000", "shm-rpc/throughput/64",
            "shm-rpc/throughput/200000", "shm-rpc-blocking/pingpong/64", "shm-rpc-blocking/pingpong/200000",
            "shm-rpc-blocking/throughput/64", "shm-rpc-blocking/throughput/200000", "tcp-rpc/pingpong/64",
            "tcp-rpc/pingpong/200000", "tcp-rpc/throughput/64", "tcp-rpc/throughput/200000"), measured);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldMeasureSidecarHopsOverShmRpcAndTcpRpcAndSkipOtherTransports() throws Exception
    {
        final Path json = tempDir.resolve("sidecar.json");
        final Run run = run("--transports", "tcp,shm-rpc,tcp-rpc", "--scenario", "sidecar", "--iterations", "300",
            "--json", json.toString());

        assertEquals(BenchMain.EXIT_OK, run.exitCode, run.err);
        assertTrue(run.out.contains("## sidecar: app → bridge → TCP server"), run.out);
        assertTrue(run.out.contains("| 4 KiB | tcp-rpc |"), run.out);
        assertFalse(run.out.contains("| tcp |"), run.out);
        final Set<String> measured = new HashSet<>();
        for (final Object item : assertInstanceOf(List.class,
            assertInstanceOf(Map.class, Json.parse(Files.readString(json))).get("results")))
        {
            final Map<?, ?> result = assertInstanceOf(Map.class, item);
            assertEquals("sidecar", result.get("scenario"));
            assertTrue((Double)result.get("rtt_p50_us") > 0, result.toString());
            assertTrue((Double)result.get("rtt_p99_us") >= (Double)result.get("rtt_p50_us"), result.toString());
            assertTrue((Double)result.get("cpu_us_per_call") > 0, result.toString());
            measured.add(result.get("transport") + "/" + Math.round((Double)result.get("size")));
        }
        assertEquals(Set.of("shm-rpc/64", "shm-rpc/4096", "tcp-rpc/64", "tcp-rpc/4096"), measured);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldAbortWhenRpcServerCorruptsResponses() throws Exception
    {
        final Run run = run("--transports", "shm-rpc", "--sizes", "64", "--scenario", "pingpong",
            "--iterations", "500", "--corrupt-after", "50");

        assertEquals(BenchMain.EXIT_MISMATCH, run.exitCode, run.err);
        assertTrue(run.err.contains("ABORTED: payload checksum mismatch: shm-rpc client size 64"), run.err);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldAbortWithChecksumMessageWhenServerCorruptsResponses() throws Exception
    {
        final Run run = run("--transports", "tcp", "--sizes", "64", "--scenario", "pingpong",
            "--iterations", "500", "--corrupt-after", "50");

        assertEquals(BenchMain.EXIT_MISMATCH, run.exitCode, run.err);
        assertTrue(run.err.contains("ABORTED: payload checksum mismatch: tcp client size 64"), run.err);
        assertFalse(run.out.contains("| 64 B | tcp |"), run.out);
    }

    @Test
    void shouldRejectUnknownTransportWithUsageStatus() throws Exception
    {
        final Run run = run("--transports", "carrier-pigeon");

        assertEquals(BenchMain.EXIT_USAGE, run.exitCode);
        assertTrue(run.err.contains("unknown transport 'carrier-pigeon'"), run.err);
    }

    private static Run run(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exitCode;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            exitCode = BenchMain.run(args, JvmLauncher.fromEnvironment(), outStream, errStream, false);
        }
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Run(int exitCode, String out, String err)
    {
    }
}
