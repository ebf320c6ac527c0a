package io.shmipc.transport;

import java.util.Optional;

/**
 * Which path a call took: the transport, the address actually dialled, and why shared memory was not used when
 * it was wanted. Seen by pipeline handlers (interceptors) on every message and returned with every response.
 */
public final class CallInfo
{
    private final TransportKind transport;
    private final String address;
    private final String fallbackReason;

    /**
     * @param transport      the transport the connection uses.
     * @param address        the address dialled (or, on a server, the peer's address).
     * @param fallbackReason why shared memory was not used although enabled; {@code null} when it was not wanted or
     *                       was used.
     */
    public CallInfo(final TransportKind transport, final String address, final String fallbackReason)
    {
        this.transport = transport;
        this.address = address;
        this.fallbackReason = fallbackReason;
    }

    /**
     * @return the transport the call went over.
     */
    public TransportKind transport()
    {
        return transport;
    }

    /**
     * @return the address dialled, or on a server the remote peer's address.
     */
    public String address()
    {
        return address;
    }

    /**
     * @return why the call fell back to TCP although shared memory was enabled; empty otherwise.
     */
    public Optional<String> fallbackReason()
    {
        return Optional.ofNullable(fallbackReason);
    }

    @Override
    public String toString()
    {
        return transport + " " + address + (fallbackReason != null ? " (fallback: " + fallbackReason + ")" : "");
    }
}
