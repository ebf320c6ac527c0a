package io.shmipc.core;

import io.shmipc.nativeio.Errno;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.PidFd;
import io.shmipc.nativeio.UnixSocket;

/**
 * Watches the peer's process beside its control socket, so that the peer's death ends the session at once even when
 * its end of the socket outlives it (a child process inherited the descriptor, or it was passed on): then no end of
 * stream ever comes. Backed by a pidfd (Linux 5.3+), which cannot be fooled by the pid being reused. Where there is
 * none, or the peer's pid is not visible here (another pid namespace), the watch is off and the receive loop's
 * liveness check after each park timeout stands in.
 * <p>
 * Used by the session's control thread only, which opens and closes it.
 */
final class PeerProcessWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeerProcessWatch.class.getName());

    private final int pid;
    /** The peer's pidfd; null when the watch is off or the process was gone already. */
    private final PidFd pidFd;
    private final boolean goneAtStart;

    private PeerProcessWatch(final int pid, final PidFd pidFd, final boolean goneAtStart) {
        this.pid = pid;
        this.pidFd = pidFd;
        this.goneAtStart = goneAtStart;
    }

    /** Starts watching process {@code pid}; never fails (a watch that cannot be had is off). */
    static PeerProcessWatch start(final int pid) {
        if (pid <= 0) {
            return new PeerProcessWatch(pid, null, false);
        }
        try {
            return new PeerProcessWatch(pid, PidFd.open(pid), false);
        } catch (final NativeException e) {
            if (e.errno() == Errno.ESRCH) {
                return new PeerProcessWatch(pid, null, true);
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "no pidfd for peer process " + pid + " (" + e.getMessage()
                + "): its death is noticed by end of stream, or by the liveness check after a park timeout");
            return new PeerProcessWatch(pid, null, false);
        }
    }

    /**
     * Waits until {@code socket} can be read or the peer's process is gone. What the peer sent before dying is read
     * first: the answer is {@code true} while the socket has anything (data or end of stream).
     *
     * @return {@code true} when the socket is readable (or the watch is off: the read then blocks as usual),
     *     {@code false} when the process is gone and the socket has nothing.
     * @throws NativeException if the socket was closed (the session is closing) or poll failed.
     */
    boolean awaitReadable(final UnixSocket socket) throws NativeException {
        if (goneAtStart) {
            return socket.awaitReadable(0);
        }
        if (pidFd == null) {
            return true;
        }
        return socket.awaitReadableOr(pidFd.fd(), -1) != UnixSocket.Readiness.OTHER_READY;
    }

    /** The reason a session ends for, once {@link #awaitReadable} said the process is gone. */
    SessionClosedException goneException() {
        return new SessionClosedException("peer process " + pid + " is gone", null);
    }

    @Override
    public void close() {
        if (pidFd != null) {
            pidFd.close();
        }
    }
}
