package io.shmipc.sidecar;

import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.InboundHandler;

import static java.lang.System.Logger.Level.INFO;

/**
 * Logs one INFO line when a connection from an app or a caller opens and one when it closes, and keeps the open
 * count for {@code /metrics}.
 */
final class ConnectionLog implements InboundHandler
{
    private static final System.Logger LOG = System.getLogger(ConnectionLog.class.getName());

    private final String side;
    private final SidecarMetrics metrics;

    ConnectionLog(final String side, final SidecarMetrics metrics)
    {
        this.side = side;
        this.metrics = metrics;
    }

    @Override
    public void onActive(final Connection connection)
    {
        metrics.connectionOpened();
        LOG.log(INFO, "{0} session opened: {1} from {2}", side, connection.kind(), connection.remoteAddress());
    }

    @Override
    public void onInactive(final Connection connection)
    {
        metrics.connectionClosed();
        LOG.log(INFO, "{0} session closed: {1} from {2}", side, connection.kind(), connection.remoteAddress());
    }
}
