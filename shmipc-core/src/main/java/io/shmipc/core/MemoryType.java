package io.shmipc.core;

/** Where a session's shared-memory regions live. */
public enum MemoryType {
    /** Anonymous memory from memfd_create, passed to the server with SCM_RIGHTS (handshake v3). Nothing leaks after a crash. */
    MEMFD,
    /** Files under /dev/shm whose paths are sent to the server (handshake v2). Removed on close, and by a stale-file sweep after a crash. */
    FILE
}
