package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PosixTest {
    @TempDir
    Path directory;

    @Test
    void shouldNameCallPathAndErrnoWhenOpeningAMissingFile() {
        String missing = directory.resolve("missing").toString();

        NativeException failure = assertThrows(NativeException.class,
            () -> Posix.open(missing, Posix.O_RDONLY | Posix.O_CLOEXEC, 0));

        assertEquals("open", failure.call());
        assertEquals(Errno.ENOENT, failure.errno());
        assertTrue(failure.getMessage().startsWith("open(\"" + missing + "\""), failure.getMessage());
        assertTrue(failure.getMessage().endsWith("failed: ENOENT (No such file or directory), errno 2"),
            failure.getMessage());
    }

    @Test
    void shouldReportModeOwnerAndSizeOfACreatedFile() throws Exception {
        String file = directory.resolve("created").toString();
        int fd = Posix.open(file, Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL | Posix.O_CLOEXEC, 0600);
        try {
            Posix.ftruncate(fd, 12345);

            assertEquals(0600, Posix.fileMode(fd));
            assertEquals(Posix.getuid(), Posix.fileUid(fd));
            assertEquals(12345, Posix.fileSize(fd));

            Posix.fchmod(fd, 0640);
            assertEquals(0640, Posix.fileMode(fd));
            Posix.chmod(file, 0400);
            assertEquals(0400, Posix.fileMode(fd));
        } finally {
            Posix.close(fd);
        }
        NativeException exists = assertThrows(NativeException.class,
            () -> Posix.open(file, Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL | Posix.O_CLOEXEC, 0600));
        assertEquals(Errno.EEXIST, exists.errno());
    }

    @Test
    void shouldUnlinkAndIgnoreAFileAlreadyGone() throws Exception {
        Path file = Files.createFile(directory.resolve("doomed"));

        Posix.unlink(file.toString());
        Posix.unlink(file.toString());

        assertFalse(Files.exists(file));
    }

    @Test
    void shouldRefuseSymlinkWithNoFollow() throws Exception {
        Path target = Files.createFile(directory.resolve("target"));
        Path link = Files.createSymbolicLink(directory.resolve("link"), target);

        NativeException failure = assertThrows(NativeException.class,
            () -> Posix.open(link.toString(), Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0));
        assertEquals(Errno.ELOOP, failure.errno());
    }

    @Test
    void shouldSeeOwnProcessAliveAndAReapedChildGone() throws Exception {
        assertEquals(ProcessHandle.current().pid(), Posix.getpid());
        assertTrue(Posix.isProcessAlive(Posix.getpid()));

        Process child = new ProcessBuilder("true").start();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS), "child exited");

        assertFalse(Posix.isProcessAlive((int) child.pid()));
        assertFalse(Posix.isProcessAlive(0), "process groups are not processes");
    }

    @Test
    void shouldCountDescriptorsWithoutLeaks() throws Exception {
        int before = Posix.openFdCount();
        int fd = MemFd.create("counted");
        assertEquals(before + 1, Posix.openFdCount());
        Posix.close(fd);
        assertEquals(before, Posix.openFdCount());
    }

    @Test
    void shouldRefuseAnExclusiveLockWhileAnotherDescriptionHoldsASharedOneUntilItIsClosed() throws Exception {
        String file = Files.createFile(directory.resolve("locked")).toString();
        int holder = Posix.open(file, Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        int prober = Posix.open(file, Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        try {
            assertTrue(Posix.flock(holder, Posix.LOCK_SH));
            assertFalse(Posix.flock(prober, Posix.LOCK_EX | Posix.LOCK_NB), "the holder's shared lock is in the way");
            assertTrue(Posix.flock(prober, Posix.LOCK_SH | Posix.LOCK_NB), "shared locks do not conflict");
            Posix.close(holder);
            holder = -1;
            assertTrue(Posix.flock(prober, Posix.LOCK_EX | Posix.LOCK_NB), "closing the holder dropped its lock");
        } finally {
            if (holder >= 0) {
                Posix.close(holder);
            }
            Posix.close(prober);
        }
    }

    @Test
    void shouldNameFlockAndErrnoForABadDescriptor() {
        NativeException e = assertThrows(NativeException.class, () -> Posix.flock(-1, Posix.LOCK_SH));
        assertTrue(e.getMessage().contains("flock") && e.getMessage().contains("EBADF"), e.getMessage());
    }
}
