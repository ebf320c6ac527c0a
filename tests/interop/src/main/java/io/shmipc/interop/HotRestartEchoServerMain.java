package io.shmipc.interop;

import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmServer;
import io.shmipc.demo.EchoServerMain;
import sun.misc.Signal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Java echo server of the hot-restart scenarios: {@code HotRestartEchoServerMain -socket PATH [-take-over]
 * [-hot-restart-epoch N]}. Echoes frames like the demo's echo server and prints READY once listening. With
 * {@code -take-over} it is the new server of a hot restart ({@link ShmServer#startTakingOver}); with
 * {@code -hot-restart-epoch N}, SIGUSR1 makes it the old one: {@link ShmServer#hotRestart(long)} towards the server
 * that took the path, wait for the acks, let its sessions drain, exit. SIGTERM exits at once. The last stdout line
 * is {@code {"hot_restart":"none"|"acked"|"timed_out"}}; the exit status is 1 only if a hot restart timed out.
 */
public final class HotRestartEchoServerMain {
    private static final Duration ACK_WAIT = Duration.ofSeconds(5);
    private static final long DRAIN_WAIT_MILLIS = 5_000;

    private HotRestartEchoServerMain() {
    }

    public static void main(final String[] args) throws Exception {
        Path socket = null;
        boolean takeOver = false;
        long epoch = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-socket" -> socket = Path.of(args[++i]);
                case "-take-over" -> takeOver = true;
                case "-hot-restart-epoch" -> epoch = Long.parseUnsignedLong(args[++i]);
                default -> {
                    System.err.println("hot-restart echo server: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (socket == null) {
            System.err.println("hot-restart echo server: -socket is required");
            System.exit(2);
        }
        final SessionConfig config = SessionConfig.fromEnvironment();
        final ShmServer server = takeOver ? ShmServer.startTakingOver(socket, config, EchoServerMain.ECHO)
            : ShmServer.start(socket, config, EchoServerMain.ECHO);
        final CountDownLatch stop = new CountDownLatch(1);
        final AtomicBoolean restart = new AtomicBoolean();
        Signal.handle(new Signal("TERM"), signal -> stop.countDown());
        if (epoch != 0) {
            Signal.handle(new Signal("USR1"), signal -> {
                restart.set(true);
                stop.countDown();
            });
        }
        System.out.println("READY");
        System.out.flush();
        stop.await();
        String outcome = "none";
        if (restart.get()) {
            server.hotRestart(epoch);
            outcome = server.awaitHotRestart(ACK_WAIT) ? "acked" : "timed_out";
            System.err.println("hot-restart echo server: hot restart to epoch " + Long.toUnsignedString(epoch) + ": "
                + outcome);
            final long deadline = System.currentTimeMillis() + DRAIN_WAIT_MILLIS;
            while (!server.sessions().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
        }
        server.close();
        System.out.println("{\"hot_restart\":\"" + outcome + "\"}");
        System.out.flush();
        Runtime.getRuntime().halt("timed_out".equals(outcome) ? 1 : 0);
    }
}
