package io.shmipc.transport.remote;

import io.shmipc.transport.TransportKind;

import java.util.Locale;

/**
 * A pool key: the transport and the address actually dialled with it. Fallback TCP connections are kept under their
 * TCP address, never under the shared-memory address that was wanted.
 *
 * @param kind    the transport.
 * @param address the address dialled.
 */
public record Endpoint(TransportKind kind, String address)
{
    @Override
    public String toString()
    {
        return kind.name().toLowerCase(Locale.ROOT) + "://" + address;
    }
}
