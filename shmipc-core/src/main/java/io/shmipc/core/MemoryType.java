package io.shmipc.core;

import java.util.Locale;

/** Where a session's shared-memory regions live. */
public enum MemoryType {
    /** Anonymous memory from memfd_create, passed to the server with SCM_RIGHTS (handshake v3). Nothing leaks after a crash. */
    MEMFD,
    /** Files under /dev/shm whose paths are sent to the server (handshake v2). Removed on close, and by a stale-file sweep after a crash. */
    FILE;

    /**
     * Parses the SHMIPC_MEMORY_TYPE form: {@code memfd} or {@code file} (also {@code shm} / {@code devshm}), or
     * Kitex's numeric {@code 1} (memfd) / {@code 0} (file). The one parser of this value, for every layer.
     */
    public static MemoryType parse(final String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "memfd", "1" -> MEMFD;
            case "file", "devshm", "shm", "0" -> FILE;
            default -> throw new IllegalArgumentException("'" + text + "' is not a memory type (memfd or file)");
        };
    }
}
