package io.shmipc.bench;

import io.shmipc.bench.transport.Transports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The command line of {@code ./shmipc bench}, parsed and checked, with the timings it implies.
 */
public final class BenchOptions
{
    /** Payload sizes measured by default, bytes. */
    public static final int[] DEFAULT_SIZES = {64, 1024, 4096, 65536, 1048576, 4194304};
    /** The chain scenario's request size (4 KB), whatever {@code --sizes} says. */
    public static final int CHAIN_SIZE = 4096;
    /** The sidecar scenario's request sizes (64 B and 4 KiB), whatever {@code --sizes} says. */
    public static final int[] SIDECAR_SIZES = {64, 4096};
    /** The largest payload: Aeron's IPC limit with a 128 MB term. */
    public static final int MAX_SIZE = 8 << 20;

    private static final long DEFAULT_MEASURE_MILLIS = 2_000;
    private static final long QUICK_MEASURE_MILLIS = 250;
    private static final long QUICK_WARMUP_MILLIS = 100;
    private static final long MIN_WARMUP_MILLIS = 200;
    private static final long MAX_WARMUP_MILLIS = 1_000;
    /** Extra warm-up before a peer's first point: gRPC and Netty need thousands of calls before the JIT settles. */
    private static final long INITIAL_WARMUP_MILLIS = 2_000;
    private static final long SHORT_INITIAL_WARMUP_MILLIS = 500;
    /** Calls before a client's first point, whatever the time: C2 compiles after about ten thousand invocations. */
    private static final long INITIAL_WARMUP_CALLS = 10_000;
    private static final long IDLE_SETTLE_MILLIS = 1_000;
    private static final long IDLE_MEASURE_MILLIS = 4_000;
    private static final long QUICK_IDLE_SETTLE_MILLIS = 500;
    private static final long QUICK_IDLE_MEASURE_MILLIS = 1_500;
    /** CPU time per call needs a longer window than latency to be read precisely. */
    private static final long MIN_CHAIN_MEASURE_MILLIS = 1_000;
    /** A quick sidecar point: long enough for a CPU reading, short enough for four points of three JVMs. */
    private static final long QUICK_SIDECAR_MEASURE_MILLIS = 500;
    static final int MAX_ROUNDS = 15;

    static final String USAGE = """
        usage: ./shmipc bench [options]

        Measures transports side by side in one run: each transport's client and server are separate processes
        (JVMs, or the Go pair for shmipc-go), pinned to different CPUs. Only ratios within one run are meaningful.

        options:
          --transports a,b,...   transports to run (default: all): %s
          --sizes n,n,...        payload sizes in bytes (default: 64,1024,4096,65536,1048576,4194304; 8..8388608)
          --scenario s[,s]       pingpong | throughput | idle | chain | sidecar (default: all)
                                   pingpong    one call outstanding: round-trip p50/p99/p99.9 per size
                                   throughput  32 streams pipelined: calls/s and MB/s per size
                                   idle        connection open and idle: CPU %% of both processes
                                   chain       client -> A -> B with 4 KB requests: CPU per call of A+B, end-to-end p99
                                   sidecar     app -> sidecar bridge -> TCP server, 64 B and 4 KB: shm-rpc vs tcp-rpc
                                               as the app's hop to the bridge; p50/p99, CPU per call of bridge+server
          --wait spin|park|default  how polling transports wait for data (default: default)
          --pin / --no-pin       pin client and server to different CPUs with taskset (default: on when possible)
          --duration SECONDS     measured time per point (default: 2; quick: 0.25)
          --iterations N         measured calls per point instead of a duration
          --rounds N             measure every point N times, interleaved (every transport, then all again), and
                                 report the median round per point with each round's value (default: 1; max %d)
          --json FILE            write machine facts and every result as JSON
          --chart FILE.png       draw round-trip p50 by size for every transport (log-log)
          --quick                a smoke run: short points, short idle (a few minutes for everything)
          --help                 this text

        Exit status: 0 all measured, 1 some transport failed, 2 bad options, 3 aborted on a payload mismatch.
        """;

    private List<String> transports = Transports.names();
    private int[] sizes = DEFAULT_SIZES.clone();
    private Set<Scenario> scenarios = EnumSet.allOf(Scenario.class);
    private WaitMode waitMode = WaitMode.DEFAULT;
    private boolean pin = true;
    private Double durationSeconds;
    private long iterations;
    private int rounds = 1;
    private Path jsonFile;
    private Path chartFile;
    private boolean quick;
    private boolean help;
    private long corruptFromCall;

    private BenchOptions()
    {
    }

    /**
     * @param args command-line arguments.
     * @return the options.
     * @throws IllegalArgumentException naming the bad argument.
     */
    public static BenchOptions parse(final String... args)
    {
        final BenchOptions options = new BenchOptions();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--transports" -> options.transports = transportList(value(args, ++i, arg));
                case "--sizes" -> options.sizes = sizeList(value(args, ++i, arg));
                case "--scenario", "--scenarios" -> options.scenarios = scenarioSet(value(args, ++i, arg));
                case "--wait" -> options.waitMode = WaitMode.fromLabel(value(args, ++i, arg));
                case "--pin" -> options.pin = true;
                case "--no-pin" -> options.pin = false;
                case "--duration" -> options.durationSeconds = positiveDouble(value(args, ++i, arg), arg);
                case "--iterations" -> options.iterations = positiveLong(value(args, ++i, arg), arg);
                case "--rounds" -> options.rounds = rounds(value(args, ++i, arg));
                case "--json" -> options.jsonFile = Path.of(value(args, ++i, arg));
                case "--chart" -> options.chartFile = Path.of(value(args, ++i, arg));
                case "--quick" -> options.quick = true;
                case "--help", "-h" -> options.help = true;
                // Test only: the server corrupts every response from this call on, to prove the check works.
                case "--corrupt-after" -> options.corruptFromCall = positiveLong(value(args, ++i, arg), arg);
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (options.durationSeconds != null && options.iterations > 0)
        {
            throw new IllegalArgumentException("--duration and --iterations exclude each other");
        }
        return options;
    }

    /**
     * @return the usage text.
     */
    public static String usage()
    {
        return String.format(Locale.ROOT, USAGE, String.join(", ", Transports.names()), MAX_ROUNDS);
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length || args[index].startsWith("--"))
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static List<String> transportList(final String text)
    {
        final List<String> names = new ArrayList<>();
        for (final String name : text.split(","))
        {
            final String trimmed = name.trim();
            Transports.byName(trimmed);
            if (!names.contains(trimmed))
            {
                names.add(trimmed);
            }
        }
        return names;
    }

    private static int[] sizeList(final String text)
    {
        final String[] parts = text.split(",");
        final int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            final long size;
            try
            {
                size = Long.parseLong(parts[i].trim());
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("--sizes: '" + parts[i] + "' is not a number of bytes");
            }
            if (size < Payloads.MIN_LENGTH || size > MAX_SIZE)
            {
                throw new IllegalArgumentException(
                    "--sizes: " + size + " is outside " + Payloads.MIN_LENGTH + ".." + MAX_SIZE + " bytes");
            }
            sizes[i] = (int)size;
        }
        return Arrays.stream(sizes).distinct().sorted().toArray();
    }

    private static Set<Scenario> scenarioSet(final String text)
    {
        final Set<Scenario> set = EnumSet.noneOf(Scenario.class);
        for (final String label : text.split(","))
        {
            set.add(Scenario.fromLabel(label.trim()));
        }
        return set;
    }

    private static double positiveDouble(final String text, final String option)
    {
        try
        {
            final double value = Double.parseDouble(text);
            if (value > 0 && Double.isFinite(value))
            {
                return value;
            }
        }
        catch (final NumberFormatException e)
        {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a positive number, got '" + text + "'");
    }

    private static int rounds(final String text)
    {
        final long rounds = positiveLong(text, "--rounds");
        if (rounds > MAX_ROUNDS)
        {
            throw new IllegalArgumentException("--rounds: at most " + MAX_ROUNDS + ", got " + rounds);
        }
        return (int)rounds;
    }

    private static long positiveLong(final String text, final String option)
    {
        try
        {
            final long value = Long.parseLong(text);
            if (value > 0)
            {
                return value;
            }
        }
        catch (final NumberFormatException e)
        {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a positive whole number, got '" + text + "'");
    }

    public List<String> transports()
    {
        return transports;
    }

    public int[] sizes()
    {
        return sizes.clone();
    }

    /**
     * @return the scenarios to run, in their natural order.
     */
    public List<Scenario> scenarios()
    {
        return new ArrayList<>(scenarios);
    }

    public WaitMode waitMode()
    {
        return waitMode;
    }

    public boolean pin()
    {
        return pin;
    }

    public long iterations()
    {
        return iterations;
    }

    /**
     * @return how many times every point is measured, interleaved.
     */
    public int rounds()
    {
        return rounds;
    }

    public Path jsonFile()
    {
        return jsonFile;
    }

    public Path chartFile()
    {
        return chartFile;
    }

    public boolean quick()
    {
        return quick;
    }

    public boolean help()
    {
        return help;
    }

    public long corruptFromCall()
    {
        return corruptFromCall;
    }

    /**
     * @return measured time per point when not counting iterations.
     */
    public long measureMillis()
    {
        if (durationSeconds != null)
        {
            return Math.max(1, Math.round(durationSeconds * 1000));
        }
        return quick ? QUICK_MEASURE_MILLIS : DEFAULT_MEASURE_MILLIS;
    }

    /**
     * @return warm-up time per point.
     */
    public long warmupMillis()
    {
        if (quick)
        {
            return QUICK_WARMUP_MILLIS;
        }
        return Math.min(MAX_WARMUP_MILLIS, Math.max(MIN_WARMUP_MILLIS, measureMillis() / 4));
    }

    /**
     * @return warm-up time before a client's first point, when the JIT has seen nothing yet.
     */
    public long initialWarmupMillis()
    {
        return quick || iterations > 0 ? SHORT_INITIAL_WARMUP_MILLIS : INITIAL_WARMUP_MILLIS;
    }

    /**
     * @return calls a client makes at least before its first point (0 in short runs).
     */
    public long initialWarmupCalls()
    {
        return quick || iterations > 0 ? 0 : INITIAL_WARMUP_CALLS;
    }

    /**
     * @return measured time of a chain point: at least a second, so CPU per call is read precisely.
     */
    public long chainMeasureMillis()
    {
        return Math.max(MIN_CHAIN_MEASURE_MILLIS, measureMillis());
    }

    /**
     * @return measured time of a sidecar point: as long as a chain point, half a second in a quick run.
     */
    public long sidecarMeasureMillis()
    {
        return quick && durationSeconds == null ? QUICK_SIDECAR_MEASURE_MILLIS : chainMeasureMillis();
    }

    /**
     * @return how long an idle connection settles before its CPU is measured.
     */
    public long idleSettleMillis()
    {
        return quick ? QUICK_IDLE_SETTLE_MILLIS : IDLE_SETTLE_MILLIS;
    }

    /**
     * @return how long an idle connection's CPU is measured.
     */
    public long idleMeasureMillis()
    {
        return quick ? QUICK_IDLE_MEASURE_MILLIS : IDLE_MEASURE_MILLIS;
    }
}
