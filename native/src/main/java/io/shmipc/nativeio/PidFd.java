package io.shmipc.nativeio;

/**
 * A Linux pidfd ({@code pidfd_open}, Linux 5.3+): a descriptor for one process that becomes readable when that
 * process exits. Unlike probing a pid with {@code kill(pid, 0)} it needs no polling, and it can never be fooled by the
 * pid being reused: the descriptor stays bound to the process it was opened for.
 * <p>
 * Wait for the exit with {@link UnixSocket#awaitReadableOr(int, int)} (beside a socket) or {@link #hasExited()}.
 */
public final class PidFd implements AutoCloseable {
    private static final long SYS_PIDFD_OPEN = 434;

    private final int pid;
    private final int fd;
    private boolean closed;

    private PidFd(int pid, int fd) {
        this.pid = pid;
        this.fd = fd;
    }

    /**
     * Opens a pidfd for {@code pid} (close-on-exec, as every pidfd is).
     *
     * @param pid a process id, {@code > 0}
     * @return the descriptor; close it when done
     * @throws NativeException {@code ESRCH} when no such process exists (it is gone already), {@code ENOSYS} on a
     *                         kernel older than 5.3, {@code EINVAL} for a pid {@code <= 0}, {@code EMFILE} when out of
     *                         descriptors
     */
    public static PidFd open(int pid) throws NativeException {
        Platform.ensureSupported();
        if (pid <= 0) {
            throw new NativeException("pidfd_open", "pidfd_open(" + pid + ", 0)", Errno.EINVAL);
        }
        long fd = LibC.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0, 0, 0);
        if (fd < 0) {
            throw new NativeException("pidfd_open", "pidfd_open(" + pid + ", 0)", LibC.errno());
        }
        return new PidFd(pid, (int) fd);
    }

    /** The process this descriptor stands for. */
    public int pid() {
        return pid;
    }

    /** The descriptor, for {@code poll}; valid until {@link #close()}. */
    public int fd() {
        return fd;
    }

    /**
     * Whether the process has exited (a zombie not yet reaped counts as exited), without waiting.
     *
     * @throws NativeException if {@code poll} fails
     */
    public boolean hasExited() throws NativeException {
        ensureOpen();
        ThreadScratch scratch = ThreadScratch.current();
        int ready;
        int errno;
        do {
            PollFd.set(scratch.memory, 0, fd, PollFd.POLLIN);
            ready = LibC.poll(scratch.address, 1, 0);
            errno = ready < 0 ? LibC.errno() : 0;
        } while (errno == Errno.EINTR);
        if (ready < 0) {
            throw new NativeException("poll", "poll(pidfd " + fd + " of pid " + pid + ")", errno);
        }
        return ready > 0 && (PollFd.revents(scratch.memory, 0) & PollFd.POLLIN) != 0;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("pidfd of pid " + pid + " is closed");
        }
    }

    /** Closes the descriptor. Idempotent; the owner must make sure no other thread is still polling it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }

    @Override
    public String toString() {
        return "pidfd " + fd + " (pid " + pid + ")";
    }
}
