package io.shmipc.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The old server of {@link HotRestartCrossProcessTest}, in a JVM of its own: {@code HotRestartPeer SOCKET MEMORY
 * EPOCH}. Prints READY once listening; on the stdin line {@code restart} calls {@link ShmServer#hotRestart(long)},
 * prints {@code ACKED true|false}, waits (at most 5 s) for its sessions to close, prints {@code SESSIONS n} and exits.
 * Exits too when stdin ends, so it never outlives the test.
 */
final class HotRestartPeer {
    private static final long SESSION_WAIT_MILLIS = 5_000;

    private HotRestartPeer() {
    }

    public static void main(final String[] args) throws Exception {
        final Path socket = Path.of(args[0]);
        final SessionConfig config = SessionConfig.builder().memoryType(MemoryType.valueOf(args[1]))
            .filePrefix(socket.resolveSibling("peer-shm").toString()).build();
        final long epoch = Long.parseLong(args[2]);
        try (ShmServer server = ShmServer.start(socket, config, SessionTest.ECHO)) {
            System.out.println("READY");
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if ("restart".equals(line)) {
                    server.hotRestart(epoch);
                    System.out.println("ACKED " + server.awaitHotRestart(Duration.ofSeconds(5)));
                    final long deadline = System.currentTimeMillis() + SESSION_WAIT_MILLIS;
                    while (!server.sessions().isEmpty() && System.currentTimeMillis() < deadline) {
                        Thread.sleep(20);
                    }
                    System.out.println("SESSIONS " + server.sessions().size());
                    System.out.flush();
                    return;
                }
            }
        }
    }
}
