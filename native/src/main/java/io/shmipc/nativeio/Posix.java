package io.shmipc.nativeio;

import java.io.File;
import java.io.UncheckedIOException;

/**
 * File descriptor, file and process calls. Paths are encoded the way the JDK encodes file names.
 */
public final class Posix {
    /** Open for reading only. */
    public static final int O_RDONLY = 0;
    /** Open for reading and writing. */
    public static final int O_RDWR = 2;
    /** Create the file if it does not exist. */
    public static final int O_CREAT = 0100;
    /** With {@link #O_CREAT}: fail with {@code EEXIST} if the file exists. */
    public static final int O_EXCL = 0200;
    /** Close the descriptor on exec. */
    public static final int O_CLOEXEC = 02000000;
    /** Fail with {@code ELOOP} if the last path component is a symbolic link. */
    public static final int O_NOFOLLOW = 0400000;

    private static final int SIGNAL_PROBE = 0;
    private static final int PERMISSION_BITS = 07777;

    // struct stat on x86-64 (kernel and glibc agree): 144 bytes.
    private static final int STAT_MODE = 24;
    private static final int STAT_UID = 28;
    private static final int STAT_SIZE = 48;

    private static final String PROC_SELF_FD = "/proc/self/fd";

    private Posix() {
    }

    /**
     * Opens a file ({@code open(2)}), retrying when interrupted by a signal.
     *
     * @param path  the file
     * @param flags {@code O_*} flags or'ed together; add {@link #O_CLOEXEC} unless a child process must inherit it
     * @param mode  permission bits for a created file (before umask), e.g. {@code 0600}
     * @return the new file descriptor
     * @throws NativeException e.g. {@code ENOENT}, {@code EACCES}, {@code EEXIST}
     */
    public static int open(String path, int flags, int mode) throws NativeException {
        Platform.ensureSupported();
        byte[] cPath = CStrings.of(path);
        int fd;
        int errno;
        do {
            fd = LibC.open(cPath, flags, mode);
            errno = fd < 0 ? LibC.errno() : 0;
        } while (errno == Errno.EINTR);
        if (fd < 0) {
            throw new NativeException("open", "open(" + CStrings.quote(path) + ", 0" + Integer.toOctalString(flags)
                + ", 0" + Integer.toOctalString(mode) + ")", errno);
        }
        return fd;
    }

    /**
     * Closes a descriptor. Never retried: on Linux the descriptor is released even when {@code close} reports
     * {@code EINTR}, and a retry could close a descriptor another thread has just opened.
     *
     * @param fd the descriptor; errors (such as {@code EBADF}) are ignored
     */
    public static void close(int fd) {
        Platform.ensureSupported();
        LibC.close(fd);
    }

    /**
     * Sets a file's size ({@code ftruncate(2)}), retrying when interrupted by a signal.
     *
     * @param fd     a descriptor open for writing
     * @param length the new size in bytes
     * @throws NativeException e.g. {@code EPERM} when a memfd seal forbids the change, {@code EINVAL}
     */
    public static void ftruncate(int fd, long length) throws NativeException {
        Platform.ensureSupported();
        int result;
        int errno;
        do {
            result = LibC.ftruncate(fd, length);
            errno = result < 0 ? LibC.errno() : 0;
        } while (errno == Errno.EINTR);
        if (result < 0) {
            throw new NativeException("ftruncate", "ftruncate(" + fd + ", " + length + ")", errno);
        }
    }

    /**
     * A file's size ({@code fstat(2)} {@code st_size}).
     *
     * @param fd a descriptor
     * @return the size in bytes
     * @throws NativeException e.g. {@code EBADF}
     */
    public static long fileSize(int fd) throws NativeException {
        return fstat(fd).memory.getLong(STAT_SIZE);
    }

    /**
     * A file's permission bits ({@code fstat(2)} {@code st_mode & 07777}).
     *
     * @param fd a descriptor
     * @return e.g. {@code 0600}
     * @throws NativeException e.g. {@code EBADF}
     */
    public static int fileMode(int fd) throws NativeException {
        return fstat(fd).memory.getInt(STAT_MODE) & PERMISSION_BITS;
    }

    /**
     * A file's owner ({@code fstat(2)} {@code st_uid}).
     *
     * @param fd a descriptor
     * @return the owner's user id
     * @throws NativeException e.g. {@code EBADF}
     */
    public static int fileUid(int fd) throws NativeException {
        return fstat(fd).memory.getInt(STAT_UID);
    }

    /**
     * Changes a file's permission bits through a descriptor ({@code fchmod(2)}).
     *
     * @param fd   a descriptor
     * @param mode permission bits, e.g. {@code 0600}
     * @throws NativeException e.g. {@code EPERM} if not the owner
     */
    public static void fchmod(int fd, int mode) throws NativeException {
        Platform.ensureSupported();
        if (LibC.fchmod(fd, mode) < 0) {
            throw new NativeException("fchmod", "fchmod(" + fd + ", 0" + Integer.toOctalString(mode) + ")",
                LibC.errno());
        }
    }

    /**
     * Changes a file's permission bits by path ({@code chmod(2)}), e.g. for a socket file, whose mode a descriptor
     * cannot change.
     *
     * @param path the file
     * @param mode permission bits, e.g. {@code 0600}
     * @throws NativeException e.g. {@code ENOENT}, {@code EPERM}
     */
    public static void chmod(String path, int mode) throws NativeException {
        Platform.ensureSupported();
        if (LibC.chmod(CStrings.of(path), mode) < 0) {
            throw new NativeException("chmod", "chmod(" + CStrings.quote(path) + ", 0" + Integer.toOctalString(mode)
                + ")", LibC.errno());
        }
    }

    /**
     * Removes a file name ({@code unlink(2)}); a name that is already gone is not an error.
     *
     * @param path the file
     * @throws NativeException e.g. {@code EACCES}, {@code EISDIR}
     */
    public static void unlink(String path) throws NativeException {
        Platform.ensureSupported();
        if (LibC.unlink(CStrings.of(path)) < 0) {
            int errno = LibC.errno();
            if (errno != Errno.ENOENT) {
                throw new NativeException("unlink", "unlink(" + CStrings.quote(path) + ")", errno);
            }
        }
    }

    /**
     * This process's real user id.
     *
     * @return the uid
     */
    public static int getuid() {
        Platform.ensureSupported();
        return LibC.getuid();
    }

    /**
     * This process's id.
     *
     * @return the pid
     */
    public static int getpid() {
        Platform.ensureSupported();
        return LibC.getpid();
    }

    /** {@code flock(2)} operations. */
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;

    /**
     * Takes an advisory lock on an open file ({@code flock(2)}), retrying when interrupted by a signal. The lock
     * belongs to the open file description: it lasts until the last descriptor of it is closed, or the process ends.
     *
     * @param fd        an open descriptor
     * @param operation {@link #LOCK_SH} or {@link #LOCK_EX}, with {@link #LOCK_NB} not to wait
     * @return {@code false} if {@link #LOCK_NB} was given and another open file description holds a conflicting lock
     * @throws NativeException e.g. {@code EBADF}, {@code ENOLCK}
     */
    public static boolean flock(int fd, int operation) throws NativeException {
        Platform.ensureSupported();
        int errno;
        do {
            errno = LibC.flock(fd, operation) == 0 ? 0 : LibC.errno();
        } while (errno == Errno.EINTR);
        if (errno == Errno.EAGAIN && (operation & LOCK_NB) != 0) {
            return false;
        }
        if (errno != 0) {
            throw new NativeException("flock", "flock(" + fd + ", " + operation + ")", errno);
        }
        return true;
    }

    /**
     * Whether a process exists ({@code kill(pid, 0)}): {@code ESRCH} means gone, {@code EPERM} means alive but owned
     * by someone else. A zombie (exited, not yet reaped) counts as alive.
     *
     * @param pid a process id; {@code <= 0} (process groups) answers {@code false}
     * @return {@code true} if a process with that id exists
     */
    public static boolean isProcessAlive(int pid) {
        Platform.ensureSupported();
        if (pid <= 0) {
            return false;
        }
        return LibC.kill(pid, SIGNAL_PROBE) == 0 || LibC.errno() == Errno.EPERM;
    }

    /**
     * How many descriptors this process has open, from {@code /proc/self/fd}, not counting the one used to list it.
     * Meant for leak tests.
     *
     * @return the number of open descriptors
     * @throws UncheckedIOException if {@code /proc/self/fd} cannot be listed
     */
    public static int openFdCount() {
        Platform.ensureSupported();
        String[] entries = new File(PROC_SELF_FD).list();
        if (entries == null) {
            throw new UncheckedIOException(new java.io.IOException("cannot list " + PROC_SELF_FD));
        }
        return entries.length - 1;
    }

    /** Fills this thread's scratch block with {@code struct stat}; read it before the next call on this thread. */
    private static ThreadScratch fstat(int fd) throws NativeException {
        Platform.ensureSupported();
        ThreadScratch scratch = ThreadScratch.current();
        if (LibC.syscall(LibC.SYS_FSTAT, fd, scratch.address, 0, 0, 0, 0) < 0) {
            throw new NativeException("fstat", "fstat(" + fd + ")", LibC.errno());
        }
        return scratch;
    }
}
