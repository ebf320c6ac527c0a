package io.shmipc.bench.transport;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.Executables;
import io.shmipc.bench.ModulePaths;
import io.shmipc.bench.PeerOutput;
import io.shmipc.bench.PeerProcess;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.SelfMeasuringTransport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * CloudWeGo's Go implementation, shmipc-go, as a peer: the Go program in {@code tests/bench/go} is built with the Go
 * toolchain into {@code tests/bench/target/shmipc-go-bench} (once per harness run), then run as a server process and
 * a client process that measures itself and prints results in the harness's own format.
 * <p>
 * shmipc-go has its own wake-up policy (a Unix-socket notification when the peer sleeps), so {@code --wait} is only
 * recorded. Chain is not implemented for it.
 */
public final class ShmipcGoTransport implements SelfMeasuringTransport
{
    /** Name on the command line. */
    public static final String NAME = "shmipc-go";

    private static final String BINARY_NAME = "shmipc-go-bench";
    private static final String GO_FALLBACK_DIRECTORY = "/usr/local/go/bin";
    private static final long BUILD_TIMEOUT_MINUTES = 5;
    private static final long READY_TIMEOUT_MILLIS = 30_000;
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private Path builtBinary;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String unavailableReason()
    {
        final Path sources = sourceDirectory();
        if (sources == null)
        {
            return "Go sources not found (run from the project checkout: tests/bench/go)";
        }
        if (Executables.find("go", GO_FALLBACK_DIRECTORY) == null && !Files.isExecutable(binaryPath(sources)))
        {
            return "SKIPPED: the Go toolchain ('go') is not installed, so tests/bench/go cannot be built";
        }
        return null;
    }

    @Override
    public boolean supports(final Scenario scenario)
    {
        return scenario != Scenario.CHAIN;
    }

    @Override
    public List<BenchResult> measure(final SelfMeasuredRun run) throws Exception
    {
        final Path binary = ensureBuilt();
        final Path socket = Path.of(System.getProperty("java.io.tmpdir"),
            "shmipc-bench-go-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet() + ".sock");

        final List<String> serverCommand = new ArrayList<>(run.serverCommandPrefix());
        serverCommand.addAll(List.of(binary.toString(), "server", "-socket", socket.toString()));
        if (run.corruptFromCall() > 0)
        {
            serverCommand.addAll(List.of("-corrupt-after", Long.toString(run.corruptFromCall())));
        }
        try (PeerProcess server = PeerProcess.start(NAME + " server", serverCommand))
        {
            final String endpoint = server.awaitReady(READY_TIMEOUT_MILLIS);
            final List<String> clientCommand = new ArrayList<>(run.clientCommandPrefix());
            clientCommand.addAll(List.of(binary.toString(), "client",
                "-socket", endpoint,
                "-scenario", run.scenario().label(),
                "-sizes", joinSizes(run.sizes()),
                "-duration-ms", Long.toString(run.durationMillis()),
                "-iterations", Long.toString(run.iterations()),
                "-warmup-ms", Long.toString(run.warmupMillis()),
                "-initial-warmup-ms", Long.toString(run.initialWarmupMillis()),
                "-streams", Integer.toString(run.settings().streams()),
                "-wait", run.settings().waitMode().label(),
                "-idle-settle-ms", Long.toString(run.idleSettleMillis()),
                "-server-pid", Long.toString(server.pid())));
            try (PeerProcess client = PeerProcess.start(NAME + " client", clientCommand))
            {
                return PeerOutput.collect(client, List.of(server), run.timeoutMillis(), run.progress());
            }
        }
        finally
        {
            Files.deleteIfExists(socket);
        }
    }

    private synchronized Path ensureBuilt() throws IOException, InterruptedException
    {
        if (builtBinary != null)
        {
            return builtBinary;
        }
        final Path sources = sourceDirectory();
        if (sources == null)
        {
            throw new IOException("shmipc-go: Go sources not found");
        }
        final Path binary = binaryPath(sources);
        final String go = Executables.find("go", GO_FALLBACK_DIRECTORY);
        if (go == null)
        {
            // A binary built earlier still measures the same code.
            builtBinary = binary;
            return binary;
        }
        Files.createDirectories(binary.getParent());
        final Path log = binary.resolveSibling(BINARY_NAME + "-build.log");
        final Process build = new ProcessBuilder(go, "build", "-buildvcs=false", "-o", binary.toString(), ".")
            .directory(sources.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        if (!build.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES))
        {
            build.destroyForcibly();
            throw new IOException("shmipc-go: 'go build' took longer than " + BUILD_TIMEOUT_MINUTES + " minutes");
        }
        if (build.exitValue() != 0)
        {
            throw new IOException("shmipc-go: 'go build' in " + sources + " failed:\n" +
                Files.readString(log, StandardCharsets.UTF_8).strip());
        }
        builtBinary = binary;
        return binary;
    }

    private static Path sourceDirectory()
    {
        final Path module = ModulePaths.moduleDirectory();
        if (module == null)
        {
            return null;
        }
        final Path sources = module.resolve("go");
        return Files.isRegularFile(sources.resolve("go.mod")) ? sources : null;
    }

    private static Path binaryPath(final Path sources)
    {
        return sources.getParent().resolve("target").resolve(BINARY_NAME);
    }

    private static String joinSizes(final int[] sizes)
    {
        final StringBuilder joined = new StringBuilder();
        for (final int size : sizes)
        {
            if (!joined.isEmpty())
            {
                joined.append(',');
            }
            joined.append(size);
        }
        return joined.toString();
    }
}
