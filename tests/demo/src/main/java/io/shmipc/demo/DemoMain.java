package io.shmipc.demo;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.nativeio.Platform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code ./shmipc demo}: starts an echo server JVM, connects to it from this JVM over shared memory, exchanges
 * checksummed messages from 64 B to 4 MB and prints what happened; then makes the same calls through the RPC
 * transport, over shared memory and over TCP, and prints the speed-up ({@link RpcDemo}). Exit 0 on success, 1 on
 * any failure.
 */
public final class DemoMain {
    private static final int[] SIZES = {64, 1024, 4096, 65536, 1 << 20, 4 << 20};
    /** Most calls per size and path in the second half, which also stops each size after a fixed time. */
    private static final int RPC_CALLS = 5_000;

    private DemoMain() {
    }

    public static void main(final String[] args) throws Exception {
        MemoryType memory = MemoryType.MEMFD;
        double scale = 1.0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--memory" -> memory = "file".equals(args[++i]) ? MemoryType.FILE : MemoryType.MEMFD;
                case "--quick" -> scale = 0.1;
                case "--help", "-h" -> {
                    System.out.println("usage: ./shmipc demo [--memory memfd|file] [--quick]");
                    return;
                }
                default -> fail("unknown option " + args[i] + " (try --help)");
            }
        }
        if (!Platform.isSupported()) {
            fail("shared memory IPC cannot run here: " + Platform.unsupportedReason()
                + " (./shmipc doctor explains more)");
        }
        final Path dir = Files.createTempDirectory("shmipc-demo-");
        final Path socket = dir.resolve("echo.sock");
        System.out.println("shmipc demo: echo server JVM + client JVM over shared memory (" + memory.name().toLowerCase()
            + ")");
        final Process server = JavaProcess.start(EchoServerMain.class.getName(), List.of(socket.toString(), "--stop-on-stdin-eof"),
            Map.of("SHMIPC_MEMORY_TYPE", memory.name().toLowerCase()));
        int status = 1;
        try {
            if (!JavaProcess.awaitLine(server, "READY", 30_000)) {
                fail("the echo server JVM did not start (see its messages above)");
            }
            final SessionConfig config = SessionConfig.builder().memoryType(memory).build();
            try (Session session = Session.connect(socket, config)) {
                System.out.printf("  session: protocol v%d, %s regions, server pid %d%n", session.protocolVersion(),
                    memory.name().toLowerCase(), session.peerPid());
                System.out.printf("  %10s %8s %12s %10s %10s %10s%n", "size", "calls", "bytes", "p50 µs", "p99 µs",
                    "MB/s");
                long totalCalls = 0;
                long totalBytes = 0;
                final Stream stream = session.openStream();
                stream.readTimeout(java.time.Duration.ofSeconds(30));
                for (final int size : SIZES) {
                    final int calls = (int) Math.max(10, Math.round(callsFor(size) * scale));
                    final long[] rtt = run(stream, size, calls);
                    Arrays.sort(rtt);
                    long sum = 0;
                    for (final long r : rtt) {
                        sum += r;
                    }
                    final double mbPerS = 2.0 * size * calls / (sum / 1e9) / 1e6;
                    System.out.printf("  %10s %8d %12d %10.1f %10.1f %10.0f%n", human(size), calls,
                        2L * size * calls, rtt[calls / 2] / 1e3, rtt[(int) (calls * 0.99)] / 1e3, mbPerS);
                    totalCalls += calls;
                    totalBytes += 2L * size * calls;
                }
                stream.close();
                System.out.printf("  %d calls, %d bytes, every checksum matched%n", totalCalls, totalBytes);
                System.out.printf("  wake path: %s (%d futex wakes, %d polling events, %d wake-ups avoided), "
                        + "fallback writes: %d%n", session.usesFutexWake() ? "futex" : "polling events",
                    session.metrics().futexWakesSent(), session.metrics().pollingEventsSent(),
                    session.metrics().wakeUpsAvoided(), session.metrics().fallbackWrites());
                System.out.printf("  messages went through: %s%n", session.usesMessageRings()
                    ? "message rings (both sides shmipc-java; up to 1 KiB in the ring itself, docs/PROTOCOL.md 12)"
                    : "the reference queue (ShmIPC wire protocol)");
            }
            status = JavaProcess.stop(server, 10_000);
            if (status != 0) {
                fail("the echo server reported errors (exit " + status + ")");
            }
            RpcDemo.run(dir, SIZES, (int) Math.max(20, Math.round(RPC_CALLS * scale)));
            System.out.println("shmipc demo: OK");
        } catch (final ShmIpcException e) {
            fail(e.getMessage());
        } catch (final RuntimeException e) {
            fail(e.toString());
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir.resolve(RpcDemo.SOCKET_NAME));
            Files.deleteIfExists(dir);
        }
    }

    private static long[] run(final Stream stream, final int size, final int calls) throws ShmIpcException {
        final byte[] payload = new byte[size];
        final byte[] reply = new byte[size];
        final long[] rtt = new long[calls];
        for (int i = -Math.min(calls, 200); i < calls; i++) {
            EchoFrame.fill(payload, i);
            final long start = System.nanoTime();
            EchoFrame.send(stream, payload, size);
            final int n = EchoFrame.receive(stream, reply);
            final long elapsed = System.nanoTime() - start;
            if (n < 0) {
                throw new ShmIpcException("the server closed the stream instead of answering a " + size + "-byte message");
            }
            if (n != size || !Arrays.equals(payload, reply)) {
                throw new EchoFrame.EchoMismatchException("echo of a " + size + "-byte message came back different");
            }
            if (i >= 0) {
                rtt[i] = elapsed;
            }
        }
        return rtt;
    }

    private static int callsFor(final int size) {
        return size <= 4096 ? 20_000 : size <= 65536 ? 2_000 : size <= (1 << 20) ? 200 : 50;
    }

    static String human(final long bytes) {
        return bytes >= (1 << 20) ? (bytes >> 20) + " MB" : bytes >= 1024 ? (bytes >> 10) + " KB" : bytes + " B";
    }

    private static void fail(final String message) {
        System.err.println("shmipc demo: FAILED: " + message);
        System.exit(1);
    }
}
