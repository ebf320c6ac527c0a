package io.shmipc.nativeio;

/**
 * The peer of a {@link UnixSocket} closed the connection: end of stream before the expected bytes arrived (errno
 * {@code 0}, the {@link java.io.EOFException} case), or a write found the peer gone ({@link Errno#EPIPE},
 * {@link Errno#ECONNRESET}).
 */
public final class PeerClosedException extends NativeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param call    the call that saw the peer gone, e.g. {@code "read"}
     * @param message the full message, starting with the call
     * @param errno   {@code 0} for end of stream, otherwise the errno the call left
     */
    public PeerClosedException(String call, String message, int errno) {
        super(call, message, errno, null);
    }
}
