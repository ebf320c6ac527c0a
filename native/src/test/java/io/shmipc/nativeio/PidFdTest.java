package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pidfds of real child processes: one becomes ready when its process exits, beside a socket that stays quiet, and a
 * pid that no longer exists is refused.
 */
class PidFdTest {
    private static final int TIMEOUT_MILLIS = 10_000;

    @TempDir
    Path directory;

    @Test
    void shouldBecomeReadyWhenTheProcessIsKilledWhileTheSocketStaysQuiet() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").start();
        Path path = directory.resolve("watch.sock");
        try (PidFd pidFd = PidFd.open((int) child.pid());
             UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept()) {
            assertEquals(child.pid(), pidFd.pid());
            assertFalse(pidFd.hasExited(), "a live process");
            assertEquals(UnixSocket.Readiness.TIMED_OUT, server.awaitReadableOr(pidFd.fd(), 20));

            CompletableFuture<UnixSocket.Readiness> waiting =
                TestThreads.start(() -> server.awaitReadableOr(pidFd.fd(), TIMEOUT_MILLIS));
            child.destroyForcibly();

            assertEquals(UnixSocket.Readiness.OTHER_READY, waiting.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            assertTrue(pidFd.hasExited(), "exited (a zombie until reaped counts)");
            child.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            assertTrue(pidFd.hasExited(), "still exited once reaped");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldReportTheSocketFirstWhenBothAreReady() throws Exception {
        Process child = new ProcessBuilder("true").start();
        child.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        Path path = directory.resolve("both.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept();
             PidFd self = PidFd.open(Posix.getpid())) {
            client.writeFully(new byte[] {1}, 0, 1);
            assertEquals(UnixSocket.Readiness.READABLE, server.awaitReadableOr(self.fd(), TIMEOUT_MILLIS),
                "data sent before an exit is read first");
            assertTrue(server.awaitReadable(0), "the one-descriptor form agrees");
            assertFalse(self.hasExited(), "this process is alive");
        }
    }

    @Test
    void shouldRefuseAProcessThatIsGoneAndAnInvalidPid() throws Exception {
        Process child = new ProcessBuilder("true").start();
        assertTrue(child.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));

        NativeException gone = assertThrows(NativeException.class, () -> PidFd.open((int) child.pid()).close());
        assertEquals(Errno.ESRCH, gone.errno(), gone.getMessage());
        NativeException invalid = assertThrows(NativeException.class, () -> PidFd.open(0));
        assertEquals(Errno.EINVAL, invalid.errno(), invalid.getMessage());
    }

    @Test
    void shouldReleaseItsDescriptorOnClose() throws Exception {
        int before = Posix.openFdCount();
        PidFd pidFd = PidFd.open(Posix.getpid());
        assertEquals(before + 1, Posix.openFdCount());
        pidFd.close();
        pidFd.close();
        assertEquals(before, Posix.openFdCount());
        assertThrows(IllegalStateException.class, pidFd::hasExited);
    }
}
