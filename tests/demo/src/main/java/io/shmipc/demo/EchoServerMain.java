package io.shmipc.demo;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamHandler;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An echo server process: {@code EchoServerMain <socket path>}. Prints {@code READY} when listening, echoes every
 * frame on every stream, and on stdin EOF or SIGTERM exits 0 if no frame was corrupted (1 otherwise).
 * Settings come from the SHMIPC_* environment.
 */
public final class EchoServerMain {
    private static final AtomicLong MISMATCHES = new AtomicLong();
    private static final AtomicLong FRAMES = new AtomicLong();

    private EchoServerMain() {
    }

    /** The handler: echo frames until the client closes the stream. */
    public static final StreamHandler ECHO = EchoServerMain::serve;

    private static void serve(final Stream stream) {
        try {
            while (EchoFrame.echoOnce(stream)) {
                FRAMES.incrementAndGet();
            }
        } catch (final EchoFrame.EchoMismatchException e) {
            MISMATCHES.incrementAndGet();
            System.err.println("echo server: " + e.getMessage());
        } catch (final ShmIpcException e) {
            // The stream or session ended; the client sees that on its side.
        } finally {
            stream.close();
        }
    }

    public static void main(final String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: EchoServerMain <socket path>");
            System.exit(2);
        }
        final Path path = Path.of(args[0]);
        final CountDownLatch stop = new CountDownLatch(1);
        final ShmServer server;
        try {
            server = ShmServer.start(path, io.shmipc.core.SessionConfig.fromEnvironment(), ECHO);
        } catch (final ShmIpcException e) {
            System.err.println("echo server: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        System.out.println("READY");
        System.out.flush();
        final Thread stdinWatcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for EOF: the parent went away or closed our stdin
                }
            } catch (final java.io.IOException ignored) {
                // treat as EOF
            }
            stop.countDown();
        }, "stdin-watcher");
        stdinWatcher.setDaemon(true);
        stdinWatcher.start();
        stop.await();
        server.close();
        System.err.println("echo server: " + FRAMES.get() + " frames echoed, " + MISMATCHES.get() + " mismatches");
        Runtime.getRuntime().halt(MISMATCHES.get() == 0 ? 0 : 1);
    }
}
