package io.shmipc.nativeio;

import com.sun.jna.Memory;

/**
 * The layout of {@code struct pollfd} ({@code int fd; short events; short revents;}) in native memory, for the
 * classes that call {@code poll(2)}.
 */
final class PollFd {
    /** Readable (or, on a listening socket, a connection pending; on a pidfd, the process has exited). */
    static final short POLLIN = 0x1;
    /** Writable without blocking. */
    static final short POLLOUT = 0x4;
    /** An error is pending. */
    static final short POLLERR = 0x8;
    /** Hung up. */
    static final short POLLHUP = 0x10;
    /** What makes a read not block: data, end of stream or an error. */
    static final int READY_TO_READ = POLLIN | POLLHUP | POLLERR;
    /** Size of one entry. */
    static final int BYTES = 8;

    private static final int FD = 0;
    private static final int EVENTS = 4;
    private static final int REVENTS = 6;

    private PollFd() {
    }

    /** Writes the entry at {@code at}: watch {@code fd} (ignored by poll if negative) for {@code events}. */
    static void set(Memory memory, int at, int fd, short events) {
        memory.setInt(at + FD, fd);
        memory.setShort(at + EVENTS, events);
        memory.setShort(at + REVENTS, (short) 0);
    }

    /** The events poll reported for the entry at {@code at}. */
    static short revents(Memory memory, int at) {
        return memory.getShort(at + REVENTS);
    }
}
