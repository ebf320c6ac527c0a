package io.shmipc.bench.peer;

import io.shmipc.bench.PayloadMismatchException;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.WaitMode;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.bench.transport.Transports;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Main class of the JVMs the harness forks: {@code server} serves one transport until its stdin closes;
 * {@code client} runs one scenario over all sizes and prints one {@link PeerProtocol#RESULT} line per size.
 */
public final class PeerMain
{
    private static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    private static final long DEFAULT_LIFETIME_MILLIS = 30 * 60_000;

    private PeerMain()
    {
    }

    /**
     * @param args {@code server|client} then {@code --key value} pairs.
     */
    public static void main(final String[] args)
    {
        int exitCode = 0;
        try
        {
            if (args.length == 0)
            {
                throw new IllegalArgumentException("usage: PeerMain server|client --key value...");
            }
            final PeerArgs options = PeerArgs.parse(args, 1);
            switch (args[0])
            {
                case PeerProtocol.ROLE_SERVER -> exitCode = runServer(options);
                case PeerProtocol.ROLE_CLIENT -> runClient(options);
                default -> throw new IllegalArgumentException("unknown peer role '" + args[0] + "'");
            }
        }
        catch (final PayloadMismatchException e)
        {
            report(e.getMessage());
            exitCode = PeerProtocol.EXIT_MISMATCH;
        }
        catch (final Throwable e)
        {
            report(describe(e));
            e.printStackTrace();
            exitCode = PeerProtocol.EXIT_FAILURE;
        }
        System.out.flush();
        System.exit(exitCode);
    }

    private static TransportSettings settings(final PeerArgs options, final int maxPayload)
    {
        return new TransportSettings(
            WaitMode.fromLabel(options.string("wait", WaitMode.DEFAULT.label())),
            maxPayload,
            (int)options.number("streams", 1),
            TimeUnit.MILLISECONDS.toNanos(options.number("timeout-ms", DEFAULT_TIMEOUT_MILLIS)));
    }

    private static int runServer(final PeerArgs options) throws Exception
    {
        final BenchTransport transport = Transports.byName(options.string("transport"));
        final TransportSettings settings = settings(options, (int)options.number("max-payload", 0));
        final String downstream = options.string("downstream", null);
        final long corruptFrom = options.number("corrupt-after", 0);
        final String where = transport.name() + (downstream == null ? " server" : " relay");
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        final CountDownLatch stop = new CountDownLatch(1);

        final RequestHandler.Factory handlers = downstream == null
            ? () -> new FailureReportingHandler(new EchoHandler(where, corruptFrom), failure, stop)
            : RequestHandler.Factory.blocking(
                () -> new FailureReportingHandler(new RelayHandler(transport, settings, downstream), failure, stop));
        try (BenchServer server = transport.startServer(settings, handlers))
        {
            watchForEndOfInput(System.in, stop);
            System.out.println(PeerProtocol.READY + server.endpoint());
            System.out.flush();
            if (!stop.await(options.number("lifetime-ms", DEFAULT_LIFETIME_MILLIS), TimeUnit.MILLISECONDS))
            {
                System.err.println(where + ": lifetime ended, stopping");
            }
        }
        final RuntimeException error = failure.get();
        if (error == null)
        {
            return 0;
        }
        // Already reported by the failing handler.
        return error instanceof PayloadMismatchException ? PeerProtocol.EXIT_MISMATCH : PeerProtocol.EXIT_FAILURE;
    }

    private static void runClient(final PeerArgs options) throws Exception
    {
        // A client of a harness that died must not run on for its whole measurement: stop when stdin closes.
        final CountDownLatch harnessGone = new CountDownLatch(1);
        watchForEndOfInput(System.in, harnessGone);
        final Thread reaper = new Thread(() ->
        {
            try
            {
                harnessGone.await();
                System.err.println("client: the harness closed our input; stopping");
                Runtime.getRuntime().halt(PeerProtocol.EXIT_FAILURE);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }, "harness-watcher");
        reaper.setDaemon(true);
        reaper.start();

        final BenchTransport transport = Transports.byName(options.string("transport"));
        final Scenario scenario = Scenario.fromLabel(options.string("scenario"));
        final int[] sizes = options.ints("sizes");
        int maxPayload = 0;
        for (final int size : sizes)
        {
            maxPayload = Math.max(maxPayload, size);
        }
        final ScenarioDriver driver = new ScenarioDriver(
            transport,
            scenario,
            sizes,
            settings(options, maxPayload),
            options.number("duration-ms", 1_000),
            options.number("iterations", 0),
            options.number("warmup-ms", 200),
            options.number("initial-warmup-ms", 0),
            options.number("initial-warmup-calls", 0),
            options.number("idle-settle-ms", 1_000),
            options.string("endpoint"),
            options.longs("cpu-pids"),
            System.out);
        driver.run();
    }

    /** Watches stdin: the harness closes it (or dies) to stop a server. */
    private static void watchForEndOfInput(final InputStream in, final CountDownLatch stop)
    {
        final Thread watcher = new Thread(() ->
        {
            final byte[] buffer = new byte[256];
            try
            {
                while (in.read(buffer) >= 0)
                {
                    // the harness sends nothing; wait for end of input
                }
            }
            catch (final IOException e)
            {
                // a broken pipe means the harness is gone: stop as well
            }
            stop.countDown();
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    static void report(final String message)
    {
        System.out.println(PeerProtocol.ERROR + message.replace('\n', ' '));
        System.out.flush();
    }

    static String describe(final Throwable e)
    {
        final String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    /**
     * Reports the first failure of a server-side handler to the harness at once and stops the server, so a
     * corrupted request aborts the run instead of leaving the client waiting.
     */
    private static final class FailureReportingHandler implements RequestHandler
    {
        private final RequestHandler delegate;
        private final AtomicReference<RuntimeException> failure;
        private final CountDownLatch stop;

        FailureReportingHandler(
            final RequestHandler delegate,
            final AtomicReference<RuntimeException> failure,
            final CountDownLatch stop)
        {
            this.delegate = delegate;
            this.failure = failure;
            this.stop = stop;
        }

        @Override
        public void onRequest(
            final DirectBuffer request,
            final int requestOffset,
            final int length,
            final MutableDirectBuffer response,
            final int responseOffset)
        {
            try
            {
                delegate.onRequest(request, requestOffset, length, response, responseOffset);
            }
            catch (final RuntimeException e)
            {
                if (failure.compareAndSet(null, e))
                {
                    report(describe(e));
                    stop.countDown();
                }
                throw e;
            }
        }

        @Override
        public void close()
        {
            delegate.close();
        }
    }
}
