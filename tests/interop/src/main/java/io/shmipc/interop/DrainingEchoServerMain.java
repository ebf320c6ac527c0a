package io.shmipc.interop;

import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Java side of the drain scenario: a service that a Kitex client reaches at one address while the server behind
 * it is replaced. {@code DrainingEchoServerMain -drain-trigger PATH [-drain-timeout 5s] [-trigger-wait 60s]
 * [-executor-threads 8]}.
 * <p>
 * Two {@link RpcServer}s serve the echo method of {@code kitex/echo.thrift} over TCP (TTHeader), the old one and its
 * replacement, each on its own loopback port; a {@link FrontRelay} gives clients the one address they know (as a
 * virtual IP or a layer-4 balancer would) and joins their connections to the old server. Once the file
 * {@code PATH} exists, new connections go to the new server and the old one {@link RpcServer#shutdown drains}: it
 * keeps serving the calls on its open connections, every reply carrying {@code crrst}, until its clients have moved
 * or the drain timeout. Two servers in one process rather than a restart on the same port: the old server's port
 * closes before its drain begins and the server cannot share it (no {@code SO_REUSEPORT}), so a client dialling
 * between the two would be refused; with the relay, the address never stops answering and only {@code crrst} can
 * move a client's open connections.
 * <p>
 * Prints {@code READY host:port} (the relay) once listening and {@code DRAINED <outcome>} when the drain ended. On
 * SIGTERM it closes everything and prints one JSON line: {@code drain} ({@code clean}: no call in flight when the old
 * server closed; {@code calls_cut}; {@code no_trigger}), {@code drain_ms}, and for {@code old} and {@code new}: calls,
 * bytes and CRC errors of the echo handler, connections accepted, replies carrying {@code crrst} (in all, connections
 * that got one, most on one connection), and the relay's count of connections joined to that server and of those
 * ended first by the client or by the server. Exit status 0 unless a CRC error was seen.
 */
public final class DrainingEchoServerMain {
    private static final long TRIGGER_POLL_MILLIS = 10;
    /** How long the old server may take to accept a connection the relay already joined to it. */
    private static final long ACCEPT_SETTLE_MILLIS = 2_000;

    private final RpcServer oldServer;
    private final RpcServer newServer;
    private final CountingEchoHandler oldEcho = new CountingEchoHandler("old");
    private final CountingEchoHandler newEcho = new CountingEchoHandler("new");
    private final ConnectionResetProbe oldProbe = new ConnectionResetProbe();
    private final ConnectionResetProbe newProbe = new ConnectionResetProbe();
    private final RelayBackend oldBackend;
    private final RelayBackend newBackend;
    private final FrontRelay relay;
    private volatile String drainOutcome = "no_trigger";
    private volatile long drainMillis = -1;

    private DrainingEchoServerMain(final int executorThreads) throws Exception {
        oldServer = startServer(oldEcho, oldProbe, executorThreads);
        newServer = startServer(newEcho, newProbe, executorThreads);
        oldBackend = new RelayBackend("old", (InetSocketAddress) oldServer.boundAddress(TransportKind.TCP));
        newBackend = new RelayBackend("new", (InetSocketAddress) newServer.boundAddress(TransportKind.TCP));
        relay = FrontRelay.start(oldBackend);
    }

    public static void main(final String[] args) throws Exception {
        Path trigger = null;
        Duration drainTimeout = Duration.ofSeconds(5);
        Duration triggerWait = Duration.ofSeconds(60);
        int executorThreads = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-drain-trigger" -> trigger = Path.of(args[++i]);
                case "-drain-timeout" -> drainTimeout = EchoClientMain.goDuration(args[++i]);
                case "-trigger-wait" -> triggerWait = EchoClientMain.goDuration(args[++i]);
                case "-executor-threads" -> executorThreads = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("draining echo server: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (trigger == null) {
            System.err.println("draining echo server: -drain-trigger PATH is required");
            System.exit(2);
        }
        final DrainingEchoServerMain service = new DrainingEchoServerMain(executorThreads);
        Runtime.getRuntime().addShutdownHook(new Thread(service::finish, "draining-echo-server-exit"));
        System.out.println("READY " + service.relay.address());
        System.out.flush();
        service.drainOn(trigger, drainTimeout, triggerWait);
        Thread.currentThread().join();
    }

    private static RpcServer startServer(final CountingEchoHandler echo, final ConnectionResetProbe probe,
        final int executorThreads) {
        return RpcServer.start(ServerOptions.builder(echo).tcpAddress(ServerOptions.DEFAULT_TCP_ADDRESS)
            .executorThreads(executorThreads).inboundHandler(probe).outboundHandler(probe).build());
    }

    /** Wait for the trigger file, then move new connections to the new server and drain the old one. */
    private void drainOn(final Path trigger, final Duration drainTimeout, final Duration triggerWait)
        throws InterruptedException {
        final long deadline = System.nanoTime() + triggerWait.toNanos();
        while (!Files.exists(trigger)) {
            if (System.nanoTime() - deadline >= 0) {
                System.err.println("draining echo server: " + trigger + " did not appear within "
                    + triggerWait.toMillis() + " ms; not draining");
                System.out.println("DRAINED " + drainOutcome);
                System.out.flush();
                return;
            }
            Thread.sleep(TRIGGER_POLL_MILLIS);
        }
        relay.switchTo(newBackend);
        // A connection the relay joined just before the switch may still wait in the old server's accept queue,
        // which the drain's first step closes: let the server take it first.
        final long acceptDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_SETTLE_MILLIS);
        while (oldProbe.accepted() < oldBackend.connections() && System.nanoTime() - acceptDeadline < 0) {
            Thread.sleep(1);
        }
        final long start = System.nanoTime();
        final boolean clean = oldServer.shutdown(drainTimeout);
        drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        drainOutcome = clean ? "clean" : "calls_cut";
        System.out.println("DRAINED " + drainOutcome);
        System.out.flush();
    }

    /** On SIGTERM: close everything, print the summary, exit with the verdict. */
    private void finish() {
        oldServer.shutdown(Duration.ZERO);
        newServer.shutdown(Duration.ZERO);
        relay.close();
        System.out.println("{\"drain\":\"" + drainOutcome + "\",\"drain_ms\":" + drainMillis + ","
            + oldEcho.jsonFields() + "," + oldProbe.jsonFields("old") + "," + oldBackend.jsonFields() + ","
            + newEcho.jsonFields() + "," + newProbe.jsonFields("new") + "," + newBackend.jsonFields() + "}");
        System.out.flush();
        // A JVM ending on SIGTERM exits 143; the suite wants the verdict instead.
        Runtime.getRuntime().halt(oldEcho.crcErrors() + newEcho.crcErrors() == 0 ? 0 : 1);
    }
}
