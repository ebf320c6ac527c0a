package io.shmipc.interop;

import io.shmipc.transport.codec.StringInfoKeys;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.InboundHandler;
import io.shmipc.transport.remote.OutboundHandler;
import io.shmipc.transport.remote.RpcMessage;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Installed in an {@code RpcServer}'s pipeline, both ways: counts the connections the server accepted and the
 * replies it sent carrying the TTHeader string key {@code crrst} (a draining server's request to stop using a
 * connection), per connection, so a scenario can tell how a client reacted to the first one on each.
 */
final class ConnectionResetProbe implements InboundHandler, OutboundHandler {
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong resetReplies = new AtomicLong();
    private final Map<Connection, AtomicInteger> resetRepliesByConnection = new ConcurrentHashMap<>();

    @Override
    public void onActive(final Connection connection) {
        accepted.incrementAndGet();
    }

    @Override
    public void onWrite(final Connection connection, final RpcMessage message) {
        if (message.frame().header().stringInfoView().containsKey(StringInfoKeys.CONNECTION_RESET)) {
            resetReplies.incrementAndGet();
            resetRepliesByConnection.computeIfAbsent(connection, c -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** @return connections accepted so far. */
    long accepted() {
        return accepted.get();
    }

    /**
     * @param name prefix of the fields ({@code old}, {@code new}).
     * @return {@code "<name>_connections":..,"<name>_reset_replies":..,"<name>_connections_reset":..,
     * "<name>_max_reset_replies_per_connection":..} for a JSON summary line.
     */
    String jsonFields(final String name) {
        int max = 0;
        for (final AtomicInteger count : resetRepliesByConnection.values()) {
            max = Math.max(max, count.get());
        }
        return String.format("\"%1$s_connections\":%2$d,\"%1$s_reset_replies\":%3$d,\"%1$s_connections_reset\":%4$d,"
                + "\"%1$s_max_reset_replies_per_connection\":%5$d", name, accepted.get(), resetReplies.get(),
            resetRepliesByConnection.size(), max);
    }
}
