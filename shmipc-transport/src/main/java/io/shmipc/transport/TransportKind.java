package io.shmipc.transport;

/**
 * The path a connection, and so a call, takes to its peer.
 */
public enum TransportKind
{
    /** Shared memory through a ShmIPC session (same host). */
    SHM,
    /** TCP through Netty (any host); also the fallback when shared memory cannot be used. */
    TCP
}
