package io.shmipc.core;

/** The stream was closed locally, or the peer closed it and no unread data is left. */
public final class StreamClosedException extends ShmIpcException {
    private static final long serialVersionUID = 1L;

    public StreamClosedException(final String message) {
        super(message);
    }
}
