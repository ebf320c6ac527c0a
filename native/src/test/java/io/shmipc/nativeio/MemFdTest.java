package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemFdTest {
    @Test
    void shouldRefuseResizeWhenSealedAgainstShrinkAndGrow() throws Exception {
        int fd = MemFd.create("sealed");
        try {
            Posix.ftruncate(fd, 8192);
            MemFd.addSeals(fd, MemFd.F_SEAL_SHRINK | MemFd.F_SEAL_GROW);

            assertEquals(MemFd.F_SEAL_SHRINK | MemFd.F_SEAL_GROW, MemFd.seals(fd));
            NativeException shrink = assertThrows(NativeException.class, () -> Posix.ftruncate(fd, 4096));
            NativeException grow = assertThrows(NativeException.class, () -> Posix.ftruncate(fd, 16384));
            assertEquals(Errno.EPERM, shrink.errno());
            assertEquals(Errno.EPERM, grow.errno());
            assertEquals("ftruncate", shrink.call());
            assertTrue(shrink.getMessage().startsWith("ftruncate(" + fd + ", 4096) failed: EPERM ("),
                shrink.getMessage());
            assertEquals(8192, Posix.fileSize(fd));
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldRefuseNewSealsWhenSealSealIsSet() throws Exception {
        int fd = MemFd.create("seal-seal");
        try {
            assertEquals(0, MemFd.seals(fd));
            MemFd.addSeals(fd, MemFd.F_SEAL_SEAL);

            NativeException refused = assertThrows(NativeException.class,
                () -> MemFd.addSeals(fd, MemFd.F_SEAL_WRITE));
            assertEquals(Errno.EPERM, refused.errno());
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldCreateOwnerOnlyEmptyFile() throws Exception {
        int fd = MemFd.create("fresh");
        try {
            assertEquals(0, Posix.fileSize(fd));
            assertEquals(Posix.getuid(), Posix.fileUid(fd));
        } finally {
            Posix.close(fd);
        }
    }
}
