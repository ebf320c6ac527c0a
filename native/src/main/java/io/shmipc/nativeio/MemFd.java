package io.shmipc.nativeio;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Anonymous shared memory files ({@code memfd_create}) and their seals. A memfd lives as long as a descriptor or a
 * mapping refers to it, so nothing is left behind when processes die, and it can be passed to a peer over a
 * {@link UnixSocket}.
 */
public final class MemFd {
    /** No further seals may be added. */
    public static final int F_SEAL_SEAL = 1;
    /** The file may not shrink: a peer cannot truncate the region under a mapping (which would raise SIGBUS). */
    public static final int F_SEAL_SHRINK = 2;
    /** The file may not grow. */
    public static final int F_SEAL_GROW = 4;
    /** The contents may not be written. */
    public static final int F_SEAL_WRITE = 8;

    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;

    private MemFd() {
    }

    /**
     * Creates an empty memfd with {@code MFD_CLOEXEC | MFD_ALLOW_SEALING}; size it with
     * {@link Posix#ftruncate(int, long)}.
     *
     * @param name a name for debugging (shown in {@code /proc/<pid>/fd} as {@code /memfd:name}), at most 249 bytes
     * @return the new file descriptor; close it with {@link Posix#close(int)}
     * @throws NativeException if the kernel refuses, e.g. {@code EMFILE}, or {@code EINVAL} for a name too long
     */
    public static int create(String name) throws NativeException {
        Platform.ensureSupported();
        byte[] cName = CStrings.of(name);
        try (Memory nativeName = new Memory(cName.length)) {
            nativeName.write(0, cName, 0, cName.length);
            long fd = LibC.syscall(LibC.SYS_MEMFD_CREATE, Pointer.nativeValue(nativeName),
                MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0, 0);
            if (fd < 0) {
                throw new NativeException("memfd_create", "memfd_create(" + CStrings.quote(name) + ")", LibC.errno());
            }
            return (int) fd;
        }
    }

    /**
     * Adds seals ({@code fcntl(F_ADD_SEALS)}).
     *
     * @param fd    a memfd created with sealing allowed
     * @param seals {@link #F_SEAL_SHRINK}, {@link #F_SEAL_GROW}, {@link #F_SEAL_WRITE}, {@link #F_SEAL_SEAL} or'ed
     * @throws NativeException {@code EPERM} if {@link #F_SEAL_SEAL} is already set, {@code EBUSY} for
     *                         {@link #F_SEAL_WRITE} while a writable shared mapping exists, {@code EINVAL} for a file
     *                         that cannot be sealed
     */
    public static void addSeals(int fd, int seals) throws NativeException {
        Platform.ensureSupported();
        if (LibC.fcntl(fd, F_ADD_SEALS, seals) < 0) {
            throw new NativeException("fcntl", "fcntl(" + fd + ", F_ADD_SEALS, " + seals + ")", LibC.errno());
        }
    }

    /**
     * The seals a memfd carries ({@code fcntl(F_GET_SEALS)}).
     *
     * @param fd a memfd
     * @return the seal bits, {@code 0} if none
     * @throws NativeException {@code EINVAL} if the file does not support seals, {@code EBADF} for a bad descriptor
     */
    public static int seals(int fd) throws NativeException {
        Platform.ensureSupported();
        int seals = LibC.fcntl(fd, F_GET_SEALS, 0);
        if (seals < 0) {
            throw new NativeException("fcntl", "fcntl(" + fd + ", F_GET_SEALS)", LibC.errno());
        }
        return seals;
    }
}
