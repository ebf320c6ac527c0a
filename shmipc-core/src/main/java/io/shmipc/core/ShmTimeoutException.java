package io.shmipc.core;

/** A deadline passed before the operation could complete (read, write, queue space, handshake). */
public final class ShmTimeoutException extends ShmIpcException {
    private static final long serialVersionUID = 1L;

    public ShmTimeoutException(final String message) {
        super(message);
    }
}
