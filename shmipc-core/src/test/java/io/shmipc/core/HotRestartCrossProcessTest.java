package io.shmipc.core;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java↔Java hot restart across processes: the old server runs in a second JVM ({@link HotRestartPeer}); this JVM
 * runs the calling client and the new server that takes the socket path over.
 */
class HotRestartCrossProcessTest {
    private static final long EPOCH = 11;
    private static final long LINE_WAIT_SECONDS = 30;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(MemoryType.class)
    void shouldKeepEveryCallWorkingWhenTheOldServerProcessHotRestarts(final MemoryType type) throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final SessionConfig config = SessionConfig.builder().memoryType(type)
            .filePrefix(dir.resolve("client-shm").toString()).build();
        final Process peer = startPeer(socket, type);
        final BlockingQueue<String> lines = readLines(peer);
        try {
            assertEquals("READY", lines.poll(LINE_WAIT_SECONDS, TimeUnit.SECONDS), "old server process ready");
            final AtomicInteger newStreams = new AtomicInteger();
            try (SessionPool pool = new SessionPool(socket, config, 2);
                 ContinuousCaller caller = new ContinuousCaller(pool, 2)) {
                caller.awaitCalls(50, 20_000);
                try (ShmServer newServer = ShmServer.startTakingOver(socket, config,
                    HotRestartTest.countingEcho(newStreams))) {
                    final OutputStream stdin = peer.getOutputStream();
                    stdin.write("restart\n".getBytes(StandardCharsets.UTF_8));
                    stdin.flush();
                    assertEquals("ACKED true", lines.poll(LINE_WAIT_SECONDS, TimeUnit.SECONDS));
                    assertEquals("SESSIONS 0", lines.poll(LINE_WAIT_SECONDS, TimeUnit.SECONDS));
                    assertTrue(peer.waitFor(LINE_WAIT_SECONDS, TimeUnit.SECONDS), "old server process exited");
                    final long callsBefore = caller.calls();
                    caller.awaitCalls(callsBefore + 50, 20_000);
                    caller.stop();
                    assertEquals(0, caller.failures(), "failed calls across the hot restart: "
                        + caller.firstFailure());
                    assertTrue(newStreams.get() > 0, "calls moved to the new server");
                    assertEquals(EPOCH, pool.epoch());
                }
            }
        } finally {
            peer.destroyForcibly();
            peer.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process startPeer(final Path socket, final MemoryType type) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:-UsePerfData",
            "-cp", System.getProperty("java.class.path"), HotRestartPeer.class.getName(),
            socket.toString(), type.name(), Long.toString(EPOCH)));
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(key -> key.startsWith("SHMIPC_"));
        builder.redirectError(Files.createTempFile(dir, "peer-", ".err").toFile());
        return builder.start();
    }

    private static BlockingQueue<String> readLines(final Process process) {
        final BlockingQueue<String> lines = new ArrayBlockingQueue<>(64);
        final Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.offer(line);
                }
            } catch (final IOException ignored) {
                // the process ended
            }
        }, "peer-stdout");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
