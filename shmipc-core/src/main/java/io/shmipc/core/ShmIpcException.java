package io.shmipc.core;

import java.io.IOException;

/** Base class of every failure reported by shmipc-core. */
public class ShmIpcException extends IOException {
    private static final long serialVersionUID = 1L;

    public ShmIpcException(final String message) {
        super(message);
    }

    public ShmIpcException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
