package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossProcessTest {
    private static final int CONNECT_LIMIT_MILLIS = 30_000;
    private static final long WAIT_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long POLL_NANOS = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path directory;

    @Test
    void shouldFutexWakeAcrossProcessesOnAMemfdPassedOverTheSocket() throws Exception {
        Path path = directory.resolve("peer.sock");
        Process peer = null;
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             SharedMemory memory = new SharedMemory("cross-process")) {
            long word = memory.map();
            peer = startPeer(path);

            assertTrue(listener.awaitReadable(CONNECT_LIMIT_MILLIS), "the peer JVM connected");
            try (UnixSocket connection = listener.accept()) {
                assertEquals(peer.pid(), connection.peerCredentials().pid());
                connection.sendFds(new byte[] {1}, 0, 1, new int[] {memory.fd});

                int first = Futex.wait(word, 0, WAIT_LIMIT_NANOS);
                assertEquals(Futex.WOKEN, first, "the other process woke us");
                awaitAnswer(word);
            }
            assertTrue(peer.waitFor(30, TimeUnit.SECONDS), "the peer JVM exited");
            String output = new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, peer.exitValue(), output);
            assertTrue(output.contains("stored " + CrossProcessPeer.ANSWER), output);
        } finally {
            if (peer != null) {
                peer.destroyForcibly();
            }
        }
    }

    private static void awaitAnswer(long word) {
        long deadline = System.nanoTime() + WAIT_LIMIT_NANOS;
        int value = SharedMemory.getInt(word);
        while (value != CrossProcessPeer.ANSWER && System.nanoTime() < deadline) {
            Futex.wait(word, value, POLL_NANOS);
            value = SharedMemory.getInt(word);
        }
        assertEquals(CrossProcessPeer.ANSWER, value, "the peer's store is visible through our mapping");
    }

    private static Process startPeer(Path socketPath) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrossProcessPeer.class.getName());
        command.add(socketPath.toString());
        return new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    }
}
