package io.shmipc.nativeio;

/**
 * Linux eventfd: a kernel 64-bit counter behind a file descriptor, usable as a wake-up signal that works with
 * {@code poll}. Reads and writes go through a per-thread native buffer and allocate nothing.
 */
public final class EventFd {
    /** Close the descriptor on exec. */
    public static final int EFD_CLOEXEC = 0x80000;
    /** Reads and writes fail with {@code EAGAIN} instead of blocking. */
    public static final int EFD_NONBLOCK = 0x800;
    /** Each read takes 1 from the counter instead of all of it. */
    public static final int EFD_SEMAPHORE = 1;

    private static final int COUNTER_BYTES = Long.BYTES;

    private EventFd() {
    }

    /**
     * Creates an eventfd ({@code eventfd2}).
     *
     * @param initialValue the counter's starting value
     * @param flags        {@link #EFD_CLOEXEC}, {@link #EFD_NONBLOCK}, {@link #EFD_SEMAPHORE} or'ed together
     * @return the new file descriptor; close it with {@link Posix#close(int)}
     * @throws NativeException if the kernel refuses, e.g. {@code EMFILE}
     */
    public static int create(int initialValue, int flags) throws NativeException {
        Platform.ensureSupported();
        long fd = LibC.syscall(LibC.SYS_EVENTFD2, initialValue, flags, 0, 0, 0, 0);
        if (fd < 0) {
            throw new NativeException("eventfd2", "eventfd2(" + initialValue + ", 0x" + Integer.toHexString(flags) + ")",
                LibC.errno());
        }
        return (int) fd;
    }

    /**
     * Adds {@code value} to the counter, waking readers; retries when interrupted by a signal.
     *
     * @param fd    an eventfd
     * @param value 1 to 2<sup>64</sup>-2 (as an unsigned number)
     * @throws NativeException {@code EAGAIN} if the counter would overflow on a non-blocking eventfd, {@code EINVAL}
     *                         for the value -1, {@code EBADF} for a bad descriptor
     */
    public static void write(int fd, long value) throws NativeException {
        Platform.ensureSupported();
        ThreadScratch scratch = ThreadScratch.current();
        scratch.memory.setLong(0, value);
        long written;
        int errno;
        do {
            written = LibC.write(fd, scratch.address, COUNTER_BYTES);
            errno = written < 0 ? LibC.errno() : 0;
        } while (errno == Errno.EINTR);
        if (written < 0) {
            throw new NativeException("write", "write(eventfd " + fd + ", " + Long.toUnsignedString(value) + ")", errno);
        }
    }

    /**
     * Takes the counter (or 1 of it in semaphore mode), blocking while it is 0 unless the eventfd is non-blocking;
     * retries when interrupted by a signal.
     *
     * @param fd an eventfd
     * @return the value taken (unsigned), or {@code 0} when a non-blocking eventfd's counter is 0 ({@code EAGAIN}):
     *     a successful read never returns 0
     * @throws NativeException for any other failure, e.g. {@code EBADF}
     */
    public static long read(int fd) throws NativeException {
        Platform.ensureSupported();
        ThreadScratch scratch = ThreadScratch.current();
        long read;
        int errno;
        do {
            read = LibC.read(fd, scratch.address, COUNTER_BYTES);
            errno = read < 0 ? LibC.errno() : 0;
        } while (errno == Errno.EINTR);
        if (read == COUNTER_BYTES) {
            return scratch.memory.getLong(0);
        }
        if (errno == Errno.EAGAIN) {
            return 0;
        }
        throw new NativeException("read", "read(eventfd " + fd + ")", read < 0 ? errno : Errno.EINVAL);
    }
}
