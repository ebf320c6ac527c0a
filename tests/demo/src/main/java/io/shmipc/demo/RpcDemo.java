package io.shmipc.demo;

import io.shmipc.transport.CallInfo;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.EnvironmentSuite;
import io.shmipc.transport.Request;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.TransportKind;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo's second half: the same echo calls through the RPC transport ({@link RpcClient} to an
 * {@code RpcServer} in another JVM), once with {@code SHMIPC_ENABLE=1} (shared memory) and once with
 * {@code SHMIPC_ENABLE=0} (TCP), checking every reply's checksum and printing which path each took and the median
 * round trip per size. Each size warms up and runs for a bounded time, so the whole half stays within a few seconds.
 */
final class RpcDemo {
    /** The RPC server's control socket, in the demo's directory. */
    static final String SOCKET_NAME = "rpc.sock";
    private static final int WARM_UP_CALLS = 200;
    private static final int MIN_WARM_UP_CALLS = 5;
    private static final long WARM_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long FIRST_WARM_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);
    private static final int MIN_CALLS = 20;
    private static final long MEASURE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private RpcDemo() {
    }

    /** One path's results: median round trip per size, calls, and the path the calls reported. */
    private record PathResult(long[] p50Nanos, int[] calls, Map<String, Integer> paths, int spin) {
    }

    static void run(final Path dir, final int[] sizes, final int maxCalls) throws Exception {
        final Path socket = dir.resolve(SOCKET_NAME);
        final int port = freePort();
        System.out.println();
        System.out.println("shmipc demo, part 2: the same echo calls through the RPC transport (RpcClient -> RpcServer"
            + " in another JVM), over shared memory and over TCP");
        final Process server = JavaProcess.start(RpcEchoServerMain.class.getName(),
            List.of(socket.toString(), Integer.toString(port)), Map.of());
        try {
            if (!JavaProcess.awaitLine(server, "READY", 30_000)) {
                throw new IllegalStateException("the RPC echo server JVM did not start (see its messages above)");
            }
            final String tcpAddress = "127.0.0.1:" + port;
            final PathResult shm = measure("1", socket, tcpAddress, sizes, maxCalls);
            final PathResult tcp = measure("0", socket, tcpAddress, sizes, maxCalls);
            System.out.println("  SHMIPC_ENABLE=1: calls took " + shm.paths() + "; waiting threads spin " + shm.spin()
                + " polls before parking (SHMIPC_SPIN)");
            System.out.println("  SHMIPC_ENABLE=0: calls took " + tcp.paths());
            System.out.printf("  %10s %8s %12s %12s %10s%n", "size", "calls", "shm p50 µs", "tcp p50 µs", "speed-up");
            long total = 0;
            for (int i = 0; i < sizes.length; i++) {
                System.out.printf("  %10s %8s %12.1f %12.1f %9.1fx%n", DemoMain.human(sizes[i]),
                    shm.calls()[i] + "+" + tcp.calls()[i], shm.p50Nanos()[i] / 1e3, tcp.p50Nanos()[i] / 1e3,
                    (double) tcp.p50Nanos()[i] / shm.p50Nanos()[i]);
                total += shm.calls()[i] + tcp.calls()[i];
            }
            System.out.printf("  %d calls, every checksum matched%n", total);
        } finally {
            final int status = JavaProcess.stop(server, 10_000);
            if (status != 0) {
                System.err.println("shmipc demo: the RPC echo server exited with " + status);
            }
        }
    }

    private static PathResult measure(final String enable, final Path socket, final String tcpAddress,
                                      final int[] sizes, final int maxCalls) {
        // This process's own SHMIPC_* settings (SHMIPC_SPIN, ...) apply, with the path and the switch set here.
        final Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(Map.of("SHMIPC_ENABLE", enable, "SHMIPC_PATH", socket.toString(),
            "SHMIPC_FALLBACK_ADDR", tcpAddress));
        final ClientOptions options = ClientOptions.builder().callTimeout(Duration.ofSeconds(30))
            .suite(EnvironmentSuite.of(System.getProperties(), env)).build();
        final long[] medians = new long[sizes.length];
        final int[] counts = new int[sizes.length];
        final Map<String, Integer> paths = new HashMap<>();
        try (RpcClient client = RpcClient.create(options)) {
            // Connect and let the JIT compile the call path before the first size is measured.
            final UnsafeBuffer small = new UnsafeBuffer(new byte[sizes[0]]);
            final long warmedUp = System.nanoTime() + FIRST_WARM_UP_NANOS;
            while (System.nanoTime() - warmedUp < 0) {
                echo(client, small, fill(small, 0));
            }
            for (int s = 0; s < sizes.length; s++) {
                final int size = sizes[s];
                final byte[] bytes = new byte[size];
                final UnsafeBuffer payload = new UnsafeBuffer(bytes);
                final long warmUpEnd = System.nanoTime() + WARM_UP_NANOS;
                for (int i = 0; i < WARM_UP_CALLS; i++) {
                    if (i >= MIN_WARM_UP_CALLS && System.nanoTime() - warmUpEnd > 0) {
                        break;
                    }
                    echo(client, payload, fill(payload, -1 - i));
                }
                final long[] rtt = new long[maxCalls];
                int calls = 0;
                final long end = System.nanoTime() + MEASURE_NANOS;
                while (calls < maxCalls && (calls < MIN_CALLS || System.nanoTime() - end < 0)) {
                    final int crc = fill(payload, calls);
                    final long start = System.nanoTime();
                    final CallInfo path = echo(client, payload, crc);
                    rtt[calls++] = System.nanoTime() - start;
                    paths.merge(path.transport() + " " + path.address()
                        + path.fallbackReason().map(r -> " (fallback: " + r + ")").orElse(""), 1, Integer::sum);
                }
                Arrays.sort(rtt, 0, calls);
                medians[s] = rtt[calls / 2];
                counts[s] = calls;
            }
            if (enable.equals("1") && client.metrics().calls(TransportKind.SHM) == 0) {
                throw new IllegalStateException("SHMIPC_ENABLE=1 but no call used shared memory: " + paths);
            }
        }
        return new PathResult(medians, counts, paths, options.shmSettings().spinIterations());
    }

    /** Fills the payload for one call; returns its checksum. */
    private static int fill(final UnsafeBuffer payload, final int call) {
        final byte[] bytes = payload.byteArray();
        EchoFrame.fill(bytes, call);
        return EchoFrame.crc32(bytes, 0, bytes.length);
    }

    /** One echo call; the reply's checksum is checked in place, where the transport received it. */
    private static CallInfo echo(final RpcClient client, final UnsafeBuffer payload, final int crc) {
        final int size = payload.capacity();
        return client.call(Request.of("echo", payload), response -> {
            if (response.payload().capacity() != size || EchoFrame.crc32(response.payload(), 0, size) != crc) {
                throw new IllegalStateException("echo of a " + size + "-byte payload came back different");
            }
            return response.callInfo();
        });
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
