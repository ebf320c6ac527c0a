package io.shmipc.nativeio;

/**
 * A call on a {@link UnixSocket} failed because this side closed the socket, before the call or while it was
 * blocked in it.
 */
public final class SocketClosedException extends NativeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call         the call that was refused or interrupted, e.g. {@code "accept"}
     * @param callWithArgs the call as the message shows it
     */
    public SocketClosedException(String call, String callWithArgs) {
        super(call, callWithArgs + " failed: the socket was closed by this process", Errno.EBADF, null);
    }
}
