package io.shmipc.core;

/**
 * The peer wrote something into shared memory or onto the control connection that the protocol does not allow:
 * an offset outside the region, a length beyond a slice, a chain with a cycle, an unknown event. The session that
 * saw it is closed; other sessions are unaffected.
 */
public final class ProtocolViolationException extends ShmIpcException {
    private static final long serialVersionUID = 1L;

    public ProtocolViolationException(final String message) {
        super(message);
    }
}
