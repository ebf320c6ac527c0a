package io.shmipc.nativeio;

/**
 * A write with a deadline ({@link UnixSocket#writeFully(byte[], int, int, long)}) could not hand all its bytes to
 * the kernel in time: the peer stopped reading and the socket's send buffer stayed full. {@link #bytesWritten()}
 * tells how much went out, so a caller framing messages knows whether the byte stream is now cut inside one.
 */
public final class WriteTimeoutException extends NativeException {
    private static final long serialVersionUID = 1L;

    private final long bytesWritten;

    /**
     * @param message      the full message, starting with the call
     * @param bytesWritten bytes of the request the kernel accepted before the deadline
     */
    public WriteTimeoutException(String message, long bytesWritten) {
        super("write", message, Errno.EAGAIN, null);
        this.bytesWritten = bytesWritten;
    }

    /** Bytes of the request the kernel accepted before the deadline. */
    public long bytesWritten() {
        return bytesWritten;
    }
}
