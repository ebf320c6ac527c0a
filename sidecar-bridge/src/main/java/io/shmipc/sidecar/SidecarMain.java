package io.shmipc.sidecar;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import sun.misc.Signal;

/**
 * {@code ./shmipc sidecar}: runs the bridge until SIGTERM (or Ctrl-C), then drains and exits with status 0.
 * Prints one line {@code SIDECAR READY key=value ...} on stdout once every listener is up, so that scripts and
 * tests can wait for it and read the bound addresses.
 */
public final class SidecarMain
{
    /** The first word of the line printed once the bridge serves. */
    public static final String READY = "SIDECAR READY";
    private static final int EXIT_USAGE = 2;
    private static final int EXIT_START_FAILED = 1;
    private static final String DEMO_SERVER = "demo-server";
    private static final String DEMO_CLIENT = "demo-client";
    private static final String[] TERMINATING_SIGNALS = {"TERM", "INT"};

    private SidecarMain()
    {
    }

    /**
     * @param args see {@code --help}.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        if (args.length > 0 && DEMO_SERVER.equals(args[0]))
        {
            DemoServer.run(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && DEMO_CLIENT.equals(args[0]))
        {
            System.exit(DemoClient.run(Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        final List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h"))
        {
            usage(System.out);
            return;
        }
        final SidecarConfig config;
        try
        {
            config = SidecarConfig.resolve(arguments, System.getenv());
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("shmipc sidecar: " + ex.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        final Sidecar sidecar;
        try
        {
            sidecar = Sidecar.start(config);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("shmipc sidecar: cannot start: " + ex.getMessage());
            System.exit(EXIT_START_FAILED);
            return;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Runnable drain = () ->
        {
            sidecar.close();
            stopped.countDown();
        };
        // SIGTERM and Ctrl-C drain on a signal thread, then exit 0. A shutdown hook alone would do the draining
        // after the JVM had begun exiting: java.util.logging's own hook may already have closed the log handlers
        // (the drain and session-closed lines would be lost) and the exit status would be 143, not 0.
        for (final String signal : TERMINATING_SIGNALS)
        {
            Signal.handle(new Signal(signal), s ->
            {
                drain.run();
                System.exit(0);
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(drain, "shmipc-sidecar-drain"));

        final StringBuilder ready = new StringBuilder(READY);
        for (final Map.Entry<String, String> address : sidecar.addresses().entrySet())
        {
            ready.append(' ').append(address.getKey()).append('=').append(address.getValue());
        }
        System.out.println(ready);
        System.out.flush();
        try
        {
            stopped.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void usage(final PrintStream out)
    {
        out.print("""
            usage: ./shmipc sidecar [options]
                   ./shmipc sidecar demo-server [HOST:PORT]                 a TCP echo service (default 127.0.0.1:9000)
                   ./shmipc sidecar demo-client SOCKET TCP SERVICE [CALLS]  an app calling SERVICE via the bridge

            A ShmIPC mesh sidecar. Egress: local apps call it over shared memory (the ShmIPC control socket, or its
            TCP fallback listener); each TTHeader call is routed by its ToService / ToCluster / DestAddress keys to
            an upstream and relayed over pooled TCP connections within the call's RPCTimeout. Ingress (optional):
            callers from the network reach the local app over shared memory, with the 'rip' key set to their address.
            Failures come back to the caller as Thrift application exceptions naming the reason.
            Prints 'SIDECAR READY egress-shm=... egress-tcp=... [ingress=...] [admin=...]' once serving; SIGTERM
            drains in-flight calls and exits 0. GET /health and /metrics on the admin address.

            Each option is read from, highest first: the flag, the environment variable, the configuration file,
            the default.

            options:
            """);
        out.print(SidecarOption.helpText());
        out.print("""
              --help
                  this text

            a local mesh in three terminals:
              ./shmipc sidecar demo-server 127.0.0.1:9000
              ./shmipc sidecar --socket /tmp/mesh.sock --tcp 127.0.0.1:7100 --route echo=127.0.0.1:9000
              ./shmipc sidecar demo-client /tmp/mesh.sock 127.0.0.1:7100 echo 200
            """);
    }
}
