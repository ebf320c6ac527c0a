package io.shmipc.core;

/** The session is closed (locally, by the peer, or because the peer died or misbehaved); the cause says why. */
public final class SessionClosedException extends ShmIpcException {
    private static final long serialVersionUID = 1L;

    public SessionClosedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
