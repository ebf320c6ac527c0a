package io.shmipc.bench;

import io.shmipc.bench.report.JsonReport;
import io.shmipc.bench.report.LatencyChart;
import io.shmipc.bench.report.MarkdownReport;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.transport.Transports;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./shmipc bench}: measures transports side by side, prints a Markdown report on stdout and, on request,
 * writes JSON and a chart. Progress and warnings go to stderr.
 */
public final class BenchMain
{
    /** Exit status: everything asked for was measured (or is unavailable and reported so). */
    public static final int EXIT_OK = 0;
    /** Exit status: some transport failed. */
    public static final int EXIT_SOME_FAILED = 1;
    /** Exit status: bad command line. */
    public static final int EXIT_USAGE = 2;
    /** Exit status: a payload failed verification and the run was aborted. */
    public static final int EXIT_MISMATCH = 3;

    private BenchMain()
    {
    }

    /**
     * @param args command-line arguments; see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, JvmLauncher.fromEnvironment(), System.out, System.err, System.console() != null));
    }

    /**
     * Runs the harness in this JVM (peers are still forked).
     *
     * @param args        command-line arguments.
     * @param launcher    how to fork peer JVMs.
     * @param out         where the report goes.
     * @param err         where progress and warnings go.
     * @param interactive whether {@code err} is a terminal (progress rewritten in place).
     * @return the exit status.
     */
    public static int run(
        final String[] args,
        final JvmLauncher launcher,
        final PrintStream out,
        final PrintStream err,
        final boolean interactive)
    {
        final BenchOptions options;
        try
        {
            options = BenchOptions.parse(args);
        }
        catch (final IllegalArgumentException e)
        {
            err.println("shmipc bench: " + e.getMessage());
            err.println("run './shmipc bench --help' for the options");
            return EXIT_USAGE;
        }
        if (options.help())
        {
            out.print(BenchOptions.usage());
            return EXIT_OK;
        }

        final long startNanos = System.nanoTime();
        final CpuPinning pinning = CpuPinning.detect(options.pin());
        final ProgressLine progress = new ProgressLine(err, interactive, BenchRunner.steps(options));
        if (options.pin() && !pinning.enabled())
        {
            err.println("shmipc bench: WARNING: peers are " + pinning.describe() + "; latency will be bimodal");
        }
        warnAboutSkippedTransports(options, err);

        final RunOutcome outcome;
        try
        {
            outcome = new BenchRunner(options, launcher, pinning, progress).run();
        }
        catch (final PayloadMismatchException e)
        {
            progress.finish();
            err.println("shmipc bench: ABORTED: " + e.getMessage());
            return EXIT_MISMATCH;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            progress.finish();
            err.println("shmipc bench: interrupted");
            return EXIT_SOME_FAILED;
        }
        progress.finish();

        final double seconds = (System.nanoTime() - startNanos) / 1e9;
        final Map<String, Object> machine = MachineInfo.collect(pinning, options.waitMode());
        final String runNote = String.format(Locale.ROOT, "Run: %s, %s per point%s, %d results in %.0f s.",
            options.quick() ? "--quick" : "full",
            options.iterations() > 0 ? options.iterations() + " calls" : options.measureMillis() + " ms",
            options.rounds() > 1 ? ", " + options.rounds() + " interleaved rounds (median round shown)" : "",
            outcome.results().size(), seconds);
        out.print(MarkdownReport.render(outcome, options.scenarios(), options.transports(), machine, runNote));
        out.flush();

        boolean writeFailed = false;
        if (options.jsonFile() != null)
        {
            try
            {
                JsonReport.write(machine, outcome.results(), options.jsonFile());
            }
            catch (final IOException e)
            {
                err.println("shmipc bench: cannot write " + options.jsonFile() + ": " + e.getMessage());
                writeFailed = true;
            }
        }
        if (options.chartFile() != null)
        {
            try
            {
                LatencyChart.write(outcome.results(), machine.get("cpu_model") + ", " + pinning.describe(),
                    options.chartFile());
            }
            catch (final IOException | IllegalStateException e)
            {
                err.println("shmipc bench: cannot draw " + options.chartFile() + ": " + e.getMessage());
                writeFailed = true;
            }
        }
        warnAboutSkippedTransports(options, err);
        err.printf(Locale.ROOT, "shmipc bench: finished in %.0f s%n", seconds);
        return outcome.anyFailed() || writeFailed ? EXIT_SOME_FAILED : EXIT_OK;
    }

    private static void warnAboutSkippedTransports(final BenchOptions options, final PrintStream err)
    {
        for (final String name : options.transports())
        {
            final BenchTransport transport = Transports.byName(name);
            final String reason = transport.unavailableReason();
            if (reason != null)
            {
                err.println("shmipc bench: " + name + " NOT MEASURED: " + reason);
            }
        }
    }
}
