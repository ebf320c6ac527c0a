package io.shmipc.nativeio;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * AF_UNIX SOCK_STREAM socket, blocking, CLOEXEC, that can pass file descriptors ({@code SCM_RIGHTS}) and tell who
 * the peer is ({@code SO_PEERCRED}).
 *
 * <p>Thread-safe close: {@link #close()} first {@code shutdown(SHUT_RDWR)}s so a thread blocked in read or accept
 * returns (with {@link SocketClosedException}), and the descriptor itself is closed only when no thread is still
 * inside a call on it (reference count), so a recycled descriptor number is never read by mistake.
 * {@link Thread#interrupt()} does not unblock a call in this class; {@link #close()} does.
 *
 * <p>Data passes through a native buffer owned by the socket (one for reading, one for writing, allocated on first
 * use, {@value #DATA_CAPACITY} bytes each), so calls allocate no Java objects. Read-side calls ({@link #read},
 * {@link #readFully}, {@link #receiveFds}) are serialized with each other, as are write-side calls
 * ({@link #writeFully}, {@link #sendFds}): concurrent {@code writeFully} calls never interleave their bytes.
 */
public final class UnixSocket implements Closeable {
    /** Bytes one read or write system call moves at most. */
    public static final int DATA_CAPACITY = 64 * 1024;
    /** Most descriptors one {@link #sendFds} may carry (the kernel's {@code SCM_MAX_FD}). */
    public static final int MAX_FDS = 253;

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SCM_RIGHTS = 1;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    // struct sockaddr_un: sa_family_t (u16) then a NUL-terminated path.
    private static final int SOCKADDR_FAMILY = 0;
    private static final int SOCKADDR_PATH = 2;
    private static final int SUN_PATH_BYTES = 108;
    private static final int SOCKADDR_UN_BYTES = SOCKADDR_PATH + SUN_PATH_BYTES;

    // struct msghdr (x86-64), 56 bytes.
    private static final int MSGHDR_NAME = 0;
    private static final int MSGHDR_NAMELEN = 8;
    private static final int MSGHDR_IOV = 16;
    private static final int MSGHDR_IOVLEN = 24;
    private static final int MSGHDR_CONTROL = 32;
    private static final int MSGHDR_CONTROLLEN = 40;
    private static final int MSGHDR_FLAGS = 48;

    // struct iovec.
    private static final int IOVEC_BASE = 0;
    private static final int IOVEC_LEN = 8;

    // struct cmsghdr: size_t len, int level, int type, then data aligned to 8.
    private static final int CMSG_LEN = 0;
    private static final int CMSG_LEVEL = 8;
    private static final int CMSG_TYPE = 12;
    private static final int CMSG_DATA = 16;
    private static final int CMSG_ALIGN = 8;

    // struct ucred, followed in the scratch block by the socklen_t getsockopt writes back.
    private static final int UCRED_PID = 0;
    private static final int UCRED_UID = 4;
    private static final int UCRED_GID = 8;
    private static final int UCRED_BYTES = 12;
    private static final int UCRED_LENGTH_SLOT = 12;

    /** A descriptor poll(2) ignores. */
    private static final int NO_FD = -1;

    // Layout of a socket's I/O buffer: message header, iovec and control data in front of the data area.
    private static final int BUFFER_MSGHDR = 0;
    private static final int BUFFER_IOV = 64;
    private static final int BUFFER_CONTROL = 128;
    private static final int BUFFER_DATA = 2048;
    private static final int BUFFER_BYTES = BUFFER_DATA + DATA_CAPACITY;

    // state: bit 0 = closed, the rest counts threads inside a call in units of USER.
    private static final int CLOSED = 1;
    private static final int USER = 2;

    private static final int[] NO_FDS = new int[0];
    private static final int END_OF_STREAM = -1;
    private static final int NO_TIMEOUT = -1;
    /** The deadline of a write that may wait without limit. */
    public static final long NO_DEADLINE = Long.MIN_VALUE;

    private final int fd;
    private final Path path;
    private final AtomicInteger state = new AtomicInteger();
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private IoBuffer readBuffer;
    private IoBuffer writeBuffer;

    private UnixSocket(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /**
     * Binds a listening socket to a filesystem path, sets the path's mode right after bind (before any peer can
     * connect, which needs {@code listen}), then listens.
     *
     * <p>If the path exists and is a socket nobody listens on (left by a dead process), it is unlinked and the bind
     * retried; the check connects once, so a live listener sees one connection that closes at once. A live listener
     * or a non-socket file at the path fails with {@code EADDRINUSE}.
     *
     * @param path    where to bind; at most 107 bytes once encoded
     * @param backlog pending connections the kernel queues
     * @param mode    permission bits of the socket file, e.g. {@code 0600} so only this user can connect
     * @return the listening socket; {@link #close()} does not unlink the path, the owner does
     * @throws NativeException {@code EADDRINUSE} (live listener or not a socket), {@code ENAMETOOLONG} (path longer
     *                         than {@code sun_path}), {@code EACCES}, {@code ENOENT} (missing directory), ...
     */
    public static UnixSocket listen(Path path, int backlog, int mode) throws NativeException {
        Platform.ensureSupported();
        try (Memory address = socketAddress(path, "bind")) {
            int fd = newSocket();
            boolean bound = false;
            boolean listening = false;
            try {
                bindReplacingStale(fd, address, path);
                bound = true;
                Posix.chmod(path.toString(), mode);
                if (LibC.listen(fd, backlog) < 0) {
                    throw new NativeException("listen", "listen(" + quote(path) + ", " + backlog + ")",
                        LibC.errno());
                }
                listening = true;
                return new UnixSocket(fd, path);
            } finally {
                if (!listening) {
                    LibC.close(fd);
                    if (bound) {
                        LibC.unlink(CStrings.of(path.toString()));
                    }
                }
            }
        }
    }

    /**
     * Connects to a listening socket at a filesystem path.
     *
     * @param path the listener's path; at most 107 bytes once encoded
     * @return the connected socket
     * @throws NativeException {@code ECONNREFUSED} (nobody listens), {@code ENOENT}, {@code EACCES},
     *                         {@code ENAMETOOLONG}, ...
     */
    public static UnixSocket connect(Path path) throws NativeException {
        Platform.ensureSupported();
        try (Memory address = socketAddress(path, "connect")) {
            int fd = newSocket();
            int errno = connect(fd, address);
            if (errno != 0) {
                LibC.close(fd);
                throw new NativeException("connect", "connect(" + quote(path) + ")", errno);
            }
            return new UnixSocket(fd, path);
        }
    }

    /**
     * Waits for a connection on a listening socket ({@code accept4}, CLOEXEC); retries {@code EINTR} and
     * {@code ECONNABORTED}.
     *
     * @return the connected socket
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws NativeException       e.g. {@code EMFILE}, or {@code EINVAL} if this socket does not listen
     */
    public UnixSocket accept() throws NativeException {
        acquire("accept");
        try {
            while (true) {
                int client = LibC.accept4(fd, 0, 0, SOCK_CLOEXEC);
                if (client >= 0) {
                    return new UnixSocket(client, path);
                }
                int errno = LibC.errno();
                if (isClosing()) {
                    throw closed("accept");
                }
                if (errno != Errno.EINTR && errno != Errno.ECONNABORTED) {
                    throw new NativeException("accept", "accept(" + this + ")", errno);
                }
            }
        } finally {
            release();
        }
    }

    /**
     * Reads what is available, blocking until at least one byte is; retries {@code EINTR}.
     *
     * @param dst destination array
     * @param off where in {@code dst} to start
     * @param len bytes wanted at most (at most {@link #DATA_CAPACITY} are read per call)
     * @return bytes read, {@code 0} only if {@code len} is 0, or {@code -1} at end of stream (the peer closed)
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws PeerClosedException   on {@code ECONNRESET}
     * @throws NativeException       for any other failure
     */
    public int read(byte[] dst, int off, int len) throws NativeException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (len == 0) {
            return 0;
        }
        acquire("read");
        try {
            synchronized (readLock) {
                return readLocked(dst, off, len);
            }
        } finally {
            release();
        }
    }

    /**
     * Reads exactly {@code len} bytes, blocking as needed.
     *
     * @param dst destination array
     * @param off where in {@code dst} to start
     * @param len bytes to read
     * @throws PeerClosedException   (errno 0) if the stream ends first, or on {@code ECONNRESET}
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws NativeException       for any other failure
     */
    public void readFully(byte[] dst, int off, int len) throws NativeException {
        Objects.checkFromIndexSize(off, len, dst.length);
        acquire("read");
        try {
            synchronized (readLock) {
                int done = 0;
                while (done < len) {
                    int read = readLocked(dst, off + done, len - done);
                    if (read == END_OF_STREAM) {
                        throw new PeerClosedException("read", "read(" + this + ") failed: the peer closed the "
                            + "connection after " + done + " of " + len + " bytes", 0);
                    }
                    done += read;
                }
            }
        } finally {
            release();
        }
    }

    /**
     * Writes all bytes, looping on partial writes and retrying {@code EINTR}; {@code MSG_NOSIGNAL}, so a vanished
     * peer is an exception, never SIGPIPE.
     *
     * @param src source array
     * @param off where in {@code src} to start
     * @param len bytes to write
     * @throws PeerClosedException   on {@code EPIPE} or {@code ECONNRESET}
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws NativeException       for any other failure
     */
    public void writeFully(byte[] src, int off, int len) throws NativeException {
        writeFully(src, off, len, NO_DEADLINE);
    }

    /**
     * Writes all bytes like {@link #writeFully(byte[], int, int)}, but gives up when the peer keeps the send buffer
     * full past {@code deadlineNanos} (a {@link System#nanoTime()} value; {@link #NO_DEADLINE} waits without limit).
     *
     * @throws WriteTimeoutException if the deadline passed first; it says how many bytes went out
     * @throws PeerClosedException   on {@code EPIPE} or {@code ECONNRESET}
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws NativeException       for any other failure
     */
    public void writeFully(byte[] src, int off, int len, long deadlineNanos) throws NativeException {
        Objects.checkFromIndexSize(off, len, src.length);
        acquire("write");
        try {
            synchronized (writeLock) {
                writeLocked(src, off, len, deadlineNanos);
            }
        } finally {
            release();
        }
    }

    /**
     * Sends bytes with descriptors attached ({@code sendmsg}, {@code SCM_RIGHTS}). The descriptors travel with the
     * first byte; if the kernel takes only part of the data, the rest follows as plain stream data. The caller keeps
     * its own descriptors and may close them once this returns.
     *
     * @param data source array
     * @param off  where in {@code data} to start
     * @param len  bytes to send, at least 1 (descriptors need a byte to ride on)
     * @param fds  descriptors to pass, at most {@link #MAX_FDS}
     * @throws IllegalArgumentException if {@code len < 1} or too many descriptors
     * @throws PeerClosedException      on {@code EPIPE} or {@code ECONNRESET}
     * @throws SocketClosedException    if this socket is closed, before or during the call
     * @throws NativeException          for any other failure, e.g. {@code EBADF} for a bad descriptor in {@code fds}
     */
    public void sendFds(byte[] data, int off, int len, int[] fds) throws NativeException {
        Objects.checkFromIndexSize(off, len, data.length);
        checkData(len);
        checkFdCount(fds.length);
        acquire("sendmsg");
        try {
            synchronized (writeLock) {
                IoBuffer buffer = writeBuffer();
                Memory memory = buffer.memory;
                int chunk = Math.min(len, DATA_CAPACITY);
                memory.write(BUFFER_DATA, data, off, chunk);
                long controlLength = fds.length == 0 ? 0 : cmsgSpace(fds.length);
                buffer.prepareMessage(chunk, controlLength);
                if (fds.length > 0) {
                    memory.setMemory(BUFFER_CONTROL, controlLength, (byte) 0);
                    memory.setLong(BUFFER_CONTROL + CMSG_LEN, cmsgLength(fds.length));
                    memory.setInt(BUFFER_CONTROL + CMSG_LEVEL, SOL_SOCKET);
                    memory.setInt(BUFFER_CONTROL + CMSG_TYPE, SCM_RIGHTS);
                    memory.write(BUFFER_CONTROL + CMSG_DATA, fds, 0, fds.length);
                }
                long sent;
                int errno;
                do {
                    sent = LibC.sendmsg(fd, buffer.address + BUFFER_MSGHDR, MSG_NOSIGNAL);
                    errno = sent < 0 ? LibC.errno() : 0;
                } while (errno == Errno.EINTR);
                if (sent < 0) {
                    throw failure("sendmsg", errno);
                }
                if (sent < len) {
                    writeLocked(data, off + (int) sent, len - (int) sent, NO_DEADLINE);
                }
            }
        } finally {
            release();
        }
    }

    /**
     * One {@code recvmsg} into {@code dst}, accepting up to {@code maxFds} descriptors; received descriptors are
     * CLOEXEC ({@code MSG_CMSG_CLOEXEC}) and belong to the caller.
     *
     * @param dst    destination array
     * @param off    where in {@code dst} to start
     * @param len    bytes wanted at most, at least 1
     * @param maxFds descriptors expected at most, 0 to {@link #MAX_FDS}
     * @return bytes read ({@code -1} at end of stream) and the descriptors received (empty if none)
     * @throws NativeException       if the peer sent more descriptors than {@code maxFds} ({@code MSG_CTRUNC}): the
     *                               ones that arrived are closed, and the bytes read are lost
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws PeerClosedException   on {@code ECONNRESET}
     */
    public ReceivedFds receiveFds(byte[] dst, int off, int len, int maxFds) throws NativeException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkData(len);
        checkFdCount(maxFds);
        acquire("recvmsg");
        try {
            synchronized (readLock) {
                IoBuffer buffer = readBuffer();
                Memory memory = buffer.memory;
                // CMSG_LEN, not CMSG_SPACE: the kernel fits (length - header) / 4 descriptors, and padding could
                // make room for one more than asked for.
                buffer.prepareMessage(Math.min(len, DATA_CAPACITY), maxFds == 0 ? 0 : cmsgLength(maxFds));
                long received;
                int errno;
                do {
                    received = LibC.recvmsg(fd, buffer.address + BUFFER_MSGHDR, MSG_CMSG_CLOEXEC);
                    errno = received < 0 ? LibC.errno() : 0;
                } while (errno == Errno.EINTR);
                if (received < 0) {
                    throw failure("recvmsg", errno);
                }
                int[] fds = buffer.receivedFds();
                if ((memory.getInt(BUFFER_MSGHDR + MSGHDR_FLAGS) & MSG_CTRUNC) != 0 || fds.length > maxFds) {
                    for (int receivedFd : fds) {
                        LibC.close(receivedFd);
                    }
                    throw new NativeException("recvmsg", "recvmsg(" + this + ") failed: the peer sent more file "
                        + "descriptors than the " + maxFds + " expected (MSG_CTRUNC); the " + fds.length
                        + " received were closed", 0, null);
                }
                if (received == 0) {
                    if (isClosing()) {
                        throw closed("recvmsg");
                    }
                    return new ReceivedFds(END_OF_STREAM, fds);
                }
                memory.read(BUFFER_DATA, dst, off, (int) received);
                return new ReceivedFds((int) received, fds);
            }
        } finally {
            release();
        }
    }

    /**
     * What one {@link #receiveFds} call got.
     *
     * @param bytesRead data bytes read into the caller's array, {@code -1} at end of stream
     * @param fds       descriptors received, owned by the caller; empty if none
     */
    public record ReceivedFds(int bytesRead, int[] fds) {
        @Override
        public String toString() {
            return "ReceivedFds[bytesRead=" + bytesRead + ", fds=" + Arrays.toString(fds) + "]";
        }
    }

    /**
     * The credentials the kernel recorded for the peer process when the connection was made ({@code SO_PEERCRED}).
     *
     * @return the peer's pid, uid and gid
     * @throws SocketClosedException if this socket is closed
     * @throws NativeException       e.g. {@code ENOTCONN} on a socket that is not connected
     */
    public PeerCredentials peerCredentials() throws NativeException {
        acquire("getsockopt");
        try {
            ThreadScratch scratch = ThreadScratch.current();
            Memory memory = scratch.memory;
            memory.setInt(UCRED_LENGTH_SLOT, UCRED_BYTES);
            if (LibC.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, scratch.address, scratch.address + UCRED_LENGTH_SLOT)
                < 0) {
                throw new NativeException("getsockopt", "getsockopt(" + this + ", SO_PEERCRED)", LibC.errno());
            }
            return new PeerCredentials(memory.getInt(UCRED_PID), memory.getInt(UCRED_UID), memory.getInt(UCRED_GID));
        } finally {
            release();
        }
    }

    /**
     * Waits until data can be read, the peer hung up or an error is pending ({@code poll} for
     * {@code POLLIN | POLLHUP | POLLERR}); on a listening socket, until a connection is pending. Retries
     * {@code EINTR} with the time left. Does not take the read-side lock.
     *
     * @param timeoutMillis how long to wait; {@code 0} checks without waiting, negative waits without limit
     * @return {@code true} if readable or hung up (a read will not block), {@code false} on timeout
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws NativeException       for any other failure
     */
    public boolean awaitReadable(int timeoutMillis) throws NativeException {
        return awaitReadableOr(NO_FD, timeoutMillis) == Readiness.READABLE;
    }

    /**
     * As {@link #awaitReadable(int)}, watching a second descriptor at the same time, e.g. a {@link PidFd} whose
     * process may exit while this socket stays open (another process holds the peer's end).
     *
     * @param otherFd       a descriptor to watch for {@code POLLIN | POLLHUP | POLLERR}; negative watches none
     * @param timeoutMillis how long to wait; {@code 0} checks without waiting, negative waits without limit
     * @return {@link Readiness#READABLE} whenever this socket is readable (even if the other descriptor is ready too:
     *     what was sent before is read first), {@link Readiness#OTHER_READY} if only the other one is,
     *     {@link Readiness#TIMED_OUT} if neither became ready in time
     * @throws SocketClosedException if this socket is closed, before or during the call
     * @throws NativeException       for any other failure
     */
    public Readiness awaitReadableOr(int otherFd, int timeoutMillis) throws NativeException {
        acquire("poll");
        try {
            ThreadScratch scratch = ThreadScratch.current();
            Memory memory = scratch.memory;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(timeoutMillis, 0));
            int waitMillis = timeoutMillis < 0 ? NO_TIMEOUT : timeoutMillis;
            while (true) {
                // poll(2) skips an entry whose descriptor is negative, so one call serves both methods.
                PollFd.set(memory, 0, fd, PollFd.POLLIN);
                PollFd.set(memory, PollFd.BYTES, otherFd, PollFd.POLLIN);
                int ready = LibC.poll(scratch.address, 2, waitMillis);
                if (ready >= 0 && isClosing()) {
                    throw closed("poll");
                }
                if (ready > 0) {
                    short mine = PollFd.revents(memory, 0);
                    short other = PollFd.revents(memory, PollFd.BYTES);
                    if ((mine & PollFd.READY_TO_READ) != 0) {
                        return Readiness.READABLE;
                    }
                    if ((other & PollFd.READY_TO_READ) != 0) {
                        return Readiness.OTHER_READY;
                    }
                    // Only POLLNVAL is left: a descriptor that is not open, which waiting again would not change.
                    throw new NativeException("poll", describePoll(otherFd, timeoutMillis), Errno.EBADF);
                }
                if (ready == 0) {
                    return Readiness.TIMED_OUT;
                }
                int errno = LibC.errno();
                if (errno != Errno.EINTR) {
                    throw new NativeException("poll", describePoll(otherFd, timeoutMillis), errno);
                }
                // Interrupted by a signal: wait for what is left.
                if (waitMillis > 0) {
                    long leftNanos = deadline - System.nanoTime();
                    waitMillis = (int) Math.max(0, TimeUnit.NANOSECONDS.toMillis(leftNanos + 999_999));
                }
            }
        } finally {
            release();
        }
    }

    private String describePoll(int otherFd, int timeoutMillis) {
        return "poll(" + this + (otherFd >= 0 ? " and fd " + otherFd : "") + ", " + timeoutMillis + " ms)";
    }

    /** What {@link #awaitReadableOr(int, int)} found. */
    public enum Readiness {
        /** The socket can be read without blocking (data, end of stream or an error). */
        READABLE,
        /** Only the other descriptor is ready. */
        OTHER_READY,
        /** Neither became ready within the timeout. */
        TIMED_OUT
    }

    /** Half close ({@code shutdown(SHUT_WR)}): the peer reads end of stream, this side can still read. Never throws. */
    public void shutdownOutput() {
        if (tryAcquire()) {
            try {
                LibC.shutdown(fd, SHUT_WR);
            } finally {
                release();
            }
        }
    }

    /**
     * The descriptor number, for logs and for passing to other calls while the socket is open.
     *
     * @return the file descriptor; meaningless after {@link #close()}
     */
    public int fd() {
        return fd;
    }

    /**
     * The path given to {@link #listen} or {@link #connect}, or the listener's path for an accepted socket.
     *
     * @return the socket's filesystem path
     */
    public Path path() {
        return path;
    }

    /**
     * Whether {@link #close()} has not been called.
     *
     * @return {@code true} until closed
     */
    public boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    /**
     * Closes the socket: shuts it down at once, which wakes threads blocked in it, and closes the descriptor when the
     * last of them has left. Idempotent, never throws. For a listening socket the path is not unlinked.
     */
    @Override
    public void close() {
        int current;
        do {
            current = state.get();
            if ((current & CLOSED) != 0) {
                return;
            }
        } while (!state.compareAndSet(current, (current + USER) | CLOSED));
        // Holding a use keeps the descriptor from being closed, and its number reused, under this shutdown.
        try {
            LibC.shutdown(fd, SHUT_RDWR);
        } finally {
            release();
        }
    }

    @Override
    public String toString() {
        return path == null ? "fd " + fd : "fd " + fd + ", " + quote(path);
    }

    private int readLocked(byte[] dst, int off, int len) throws NativeException {
        IoBuffer buffer = readBuffer();
        int count = Math.min(len, DATA_CAPACITY);
        long read;
        int errno;
        do {
            read = LibC.read(fd, buffer.address + BUFFER_DATA, count);
            errno = read < 0 ? LibC.errno() : 0;
        } while (errno == Errno.EINTR);
        if (read > 0) {
            buffer.memory.read(BUFFER_DATA, dst, off, (int) read);
            return (int) read;
        }
        if (read == 0) {
            if (isClosing()) {
                throw closed("read");
            }
            return END_OF_STREAM;
        }
        throw failure("read", errno);
    }

    private void writeLocked(byte[] src, int off, int len, long deadlineNanos) throws NativeException {
        IoBuffer buffer = writeBuffer();
        // Without a deadline the call may block in the kernel; with one it never does, and waits in poll instead.
        int flags = deadlineNanos == NO_DEADLINE ? MSG_NOSIGNAL : MSG_NOSIGNAL | MSG_DONTWAIT;
        int done = 0;
        while (done < len) {
            int chunk = Math.min(len - done, DATA_CAPACITY);
            buffer.memory.write(BUFFER_DATA, src, off + done, chunk);
            int sent = 0;
            while (sent < chunk) {
                long written = LibC.send(fd, buffer.address + BUFFER_DATA + sent, chunk - sent, flags);
                if (written >= 0) {
                    sent += (int) written;
                    continue;
                }
                int errno = LibC.errno();
                if (errno == Errno.EAGAIN && deadlineNanos != NO_DEADLINE) {
                    awaitWritableUntil(deadlineNanos, done + sent, len);
                } else if (errno != Errno.EINTR) {
                    throw failure("write", errno);
                }
            }
            done += chunk;
        }
    }

    /** Waits in poll(2) for room in the send buffer; a passed deadline is a {@link WriteTimeoutException}. */
    private void awaitWritableUntil(long deadlineNanos, long written, int len) throws NativeException {
        long leftNanos = deadlineNanos - System.nanoTime();
        if (leftNanos <= 0) {
            throw new WriteTimeoutException("write(" + this + ") timed out: the peer read nothing for the rest of "
                + "the deadline, " + written + " of " + len + " bytes sent", written);
        }
        ThreadScratch scratch = ThreadScratch.current();
        Memory memory = scratch.memory;
        PollFd.set(memory, 0, fd, PollFd.POLLOUT);
        int waitMillis = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(leftNanos + 999_999));
        if (LibC.poll(scratch.address, 1, waitMillis) < 0) {
            int errno = LibC.errno();
            if (errno != Errno.EINTR) {
                throw new NativeException("poll", "poll(" + this + ", POLLOUT)", errno);
            }
        }
        if (isClosing()) {
            throw closed("write");
        }
    }

    /** The exception for a failed data call: closed by us, closed by the peer, or another error. */
    private NativeException failure(String call, int errno) {
        if (isClosing()) {
            return closed(call);
        }
        if (errno == Errno.EPIPE || errno == Errno.ECONNRESET) {
            return new PeerClosedException(call, call + "(" + this + ") failed: the peer closed the connection: "
                + Errno.describe(errno), errno);
        }
        return new NativeException(call, call + "(" + this + ")", errno);
    }

    private SocketClosedException closed(String call) {
        return new SocketClosedException(call, call + "(" + this + ")");
    }

    private IoBuffer readBuffer() {
        if (readBuffer == null) {
            readBuffer = new IoBuffer();
        }
        return readBuffer;
    }

    private IoBuffer writeBuffer() {
        if (writeBuffer == null) {
            writeBuffer = new IoBuffer();
        }
        return writeBuffer;
    }

    private void acquire(String call) throws SocketClosedException {
        if (!tryAcquire()) {
            throw closed(call);
        }
    }

    private boolean tryAcquire() {
        int current;
        do {
            current = state.get();
            if ((current & CLOSED) != 0) {
                return false;
            }
        } while (!state.compareAndSet(current, current + USER));
        return true;
    }

    private void release() {
        if (state.addAndGet(-USER) == CLOSED) {
            destroy();
        }
    }

    private boolean isClosing() {
        return (state.get() & CLOSED) != 0;
    }

    /** Runs once, in the last thread to leave a closed socket, so no other thread can be using fd or buffers. */
    private void destroy() {
        LibC.close(fd);
        synchronized (readLock) {
            if (readBuffer != null) {
                readBuffer.memory.close();
                readBuffer = null;
            }
        }
        synchronized (writeLock) {
            if (writeBuffer != null) {
                writeBuffer.memory.close();
                writeBuffer = null;
            }
        }
    }

    private static int newSocket() throws NativeException {
        int fd = LibC.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeException("socket", "socket(AF_UNIX, SOCK_STREAM)", LibC.errno());
        }
        return fd;
    }

    /** @return 0 on success, otherwise the errno */
    private static int connect(int fd, Memory address) {
        while (true) {
            if (LibC.connect(fd, Pointer.nativeValue(address), (int) address.size()) == 0) {
                return 0;
            }
            int errno = LibC.errno();
            if (errno == Errno.EISCONN) {
                // An earlier attempt that reported EINTR completed the connection after all.
                return 0;
            }
            if (errno != Errno.EINTR) {
                return errno;
            }
        }
    }

    private static void bindReplacingStale(int fd, Memory address, Path path) throws NativeException {
        if (LibC.bind(fd, Pointer.nativeValue(address), (int) address.size()) == 0) {
            return;
        }
        int errno = LibC.errno();
        if (errno == Errno.EADDRINUSE) {
            String why = whyNotStale(path, address);
            if (why != null) {
                throw new NativeException("bind", "bind(" + quote(path) + ") failed: " + Errno.describe(errno)
                    + "; " + why, errno, null);
            }
            Posix.unlink(path.toString());
            if (LibC.bind(fd, Pointer.nativeValue(address), (int) address.size()) == 0) {
                return;
            }
            errno = LibC.errno();
        }
        throw new NativeException("bind", "bind(" + quote(path) + ")", errno);
    }

    /** @return {@code null} if the path is a socket file nobody listens on, otherwise why it must stay */
    private static String whyNotStale(Path path, Memory address) throws NativeException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                return "the path exists and is not a socket";
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "the path exists and its type cannot be read (" + e + ")";
        }
        int probe = newSocket();
        try {
            int errno = connect(probe, address);
            if (errno == 0) {
                return "another process is listening there";
            }
            if (errno == Errno.ECONNREFUSED || errno == Errno.ENOENT) {
                return null;
            }
            return "cannot tell whether a process listens there: connect failed with " + Errno.describe(errno);
        } finally {
            LibC.close(probe);
        }
    }

    /** A {@code struct sockaddr_un} for {@code path}, sized to the path so the address length is exact. */
    private static Memory socketAddress(Path path, String call) throws NativeException {
        byte[] cPath = CStrings.of(path.toString());
        if (cPath.length > SUN_PATH_BYTES) {
            throw new NativeException(call, call + "(" + quote(path) + ") failed: the socket path is "
                + (cPath.length - 1) + " bytes, longer than the " + (SUN_PATH_BYTES - 1)
                + " bytes sun_path can hold", Errno.ENAMETOOLONG, null);
        }
        Memory address = new Memory(SOCKADDR_PATH + cPath.length);
        address.setShort(SOCKADDR_FAMILY, (short) AF_UNIX);
        address.write(SOCKADDR_PATH, cPath, 0, cPath.length);
        return address;
    }

    private static String quote(Path path) {
        return CStrings.quote(path.toString());
    }

    private static void checkData(int len) {
        if (len < 1) {
            throw new IllegalArgumentException("descriptors need at least one data byte to travel with, got " + len);
        }
    }

    private static void checkFdCount(int count) {
        if (count < 0 || count > MAX_FDS) {
            throw new IllegalArgumentException("from 0 to " + MAX_FDS + " descriptors per message, got " + count);
        }
    }

    private static long cmsgLength(int fdCount) {
        return CMSG_DATA + (long) Integer.BYTES * fdCount;
    }

    private static long cmsgSpace(int fdCount) {
        return CMSG_DATA + align(Integer.BYTES * fdCount);
    }

    private static long align(long length) {
        return (length + CMSG_ALIGN - 1) & -CMSG_ALIGN;
    }

    /** A socket's native I/O buffer: message header, iovec, control data and data area (layout BUFFER_*). */
    private static final class IoBuffer {
        final Memory memory = new Memory(BUFFER_BYTES);
        final long address = Pointer.nativeValue(memory);

        /** Points the message header at one iovec over the data area and at {@code controlLength} control bytes. */
        void prepareMessage(long dataLength, long controlLength) {
            memory.setLong(BUFFER_IOV + IOVEC_BASE, address + BUFFER_DATA);
            memory.setLong(BUFFER_IOV + IOVEC_LEN, dataLength);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_NAME, 0);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_NAMELEN, 0);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_IOV, address + BUFFER_IOV);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_IOVLEN, 1);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_CONTROL, controlLength == 0 ? 0 : address + BUFFER_CONTROL);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_CONTROLLEN, controlLength);
            memory.setLong(BUFFER_MSGHDR + MSGHDR_FLAGS, 0);
        }

        /** The {@code SCM_RIGHTS} descriptors in the control data {@code recvmsg} filled in. */
        int[] receivedFds() {
            long controlLength = memory.getLong(BUFFER_MSGHDR + MSGHDR_CONTROLLEN);
            if (memory.getLong(BUFFER_MSGHDR + MSGHDR_CONTROL) == 0 || controlLength < CMSG_DATA) {
                return NO_FDS;
            }
            int[] fds = NO_FDS;
            long offset = 0;
            while (offset + CMSG_DATA <= controlLength) {
                long cmsgLength = memory.getLong(BUFFER_CONTROL + offset + CMSG_LEN);
                if (cmsgLength < CMSG_DATA || offset + cmsgLength > controlLength) {
                    break;
                }
                if (memory.getInt(BUFFER_CONTROL + offset + CMSG_LEVEL) == SOL_SOCKET
                    && memory.getInt(BUFFER_CONTROL + offset + CMSG_TYPE) == SCM_RIGHTS) {
                    int count = (int) ((cmsgLength - CMSG_DATA) / Integer.BYTES);
                    int known = fds.length;
                    fds = Arrays.copyOf(fds, known + count);
                    memory.read(BUFFER_CONTROL + offset + CMSG_DATA, fds, known, count);
                }
                offset += align(cmsgLength);
            }
            return fds;
        }
    }
}
