package io.shmipc.interop;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend of a {@link FrontRelay} (a server behind the address clients know) and what the relay saw of its
 * connections: how many it joined, and for each that ended, which side ended it first.
 */
final class RelayBackend {
    private final String name;
    private final InetSocketAddress address;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong closedByClient = new AtomicLong();
    private final AtomicLong closedByBackend = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();

    /**
     * @param name    what the summary calls it ({@code old}, {@code new}).
     * @param address where it listens.
     */
    RelayBackend(final String name, final InetSocketAddress address) {
        this.name = name;
        this.address = address;
    }

    String name() {
        return name;
    }

    InetSocketAddress address() {
        return address;
    }

    void connected() {
        connections.incrementAndGet();
    }

    void connectFailed() {
        connectFailures.incrementAndGet();
    }

    /**
     * @param byClient whether the client's side ended first (its read hit the end or failed), rather than the
     *                 backend's.
     */
    void ended(final boolean byClient) {
        (byClient ? closedByClient : closedByBackend).incrementAndGet();
    }

    /** @return connections joined to this backend. */
    long connections() {
        return connections.get();
    }

    /**
     * @return {@code "<name>_relayed":..,"<name>_closed_by_client":..,"<name>_closed_by_server":..,
     * "<name>_connect_failures":..} for a JSON summary line.
     */
    String jsonFields() {
        return String.format("\"%1$s_relayed\":%2$d,\"%1$s_closed_by_client\":%3$d,\"%1$s_closed_by_server\":%4$d,"
                + "\"%1$s_connect_failures\":%5$d", name, connections.get(), closedByClient.get(),
            closedByBackend.get(), connectFailures.get());
    }
}
