package io.shmipc.demo;

import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamHandler;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An echo server process: {@code EchoServerMain [-socket] <socket path> [--stop-on-stdin-eof]}. Prints
 * {@code READY} when listening and echoes every frame on every stream. On SIGTERM (or stdin EOF when asked) it
 * prints {@code {"frames":N,"crc_errors":M}} and exits 0 if no frame was corrupted, 1 otherwise.
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
        Path path = null;
        boolean stopOnStdinEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-socket", "--socket" -> path = Path.of(args[++i]);
                case "--stop-on-stdin-eof" -> stopOnStdinEof = true;
                default -> path = Path.of(args[i]);
            }
        }
        if (path == null) {
            System.err.println("usage: EchoServerMain [-socket] <socket path> [--stop-on-stdin-eof]");
            System.exit(2);
        }
        final ShmServer server;
        try {
            server = ShmServer.start(path, io.shmipc.core.SessionConfig.fromEnvironment(), ECHO);
        } catch (final ShmIpcException e) {
            System.err.println("echo server: " + e.getMessage());
            System.exit(1);
            return;
        }
        // SIGTERM, SIGINT or the end of stdin: close, report, and exit 0 only if no frame was corrupted.
        final Thread finish = new Thread(() -> {
            server.close();
            System.out.println("{\"frames\":" + FRAMES.get() + ",\"crc_errors\":" + MISMATCHES.get() + "}");
            System.out.flush();
            Runtime.getRuntime().halt(MISMATCHES.get() == 0 ? 0 : 1);
        }, "echo-server-exit");
        Runtime.getRuntime().addShutdownHook(finish);
        System.out.println("READY");
        System.out.flush();
        if (stopOnStdinEof) {
            while (System.in.read() >= 0) {
                // the parent closes our stdin to stop us
            }
            System.exit(0);
        }
        new CountDownLatch(1).await();
    }
}
