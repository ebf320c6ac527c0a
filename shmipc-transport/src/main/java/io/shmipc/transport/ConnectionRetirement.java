package io.shmipc.transport;

import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.ConnectionPool;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * A client's connections that the server asked to reset (TTHeader string key {@code crrst}, sent by a server that
 * is draining): each leaves the pool at once, so new calls dial a fresh connection, keeps serving the calls already
 * on it, and is closed by the client when the last of them has ended. No call fails because of it: a call that took
 * the connection from the pool just before it left checks, once registered, whether it is retiring and then goes
 * elsewhere ({@link #isRetiring}).
 */
final class ConnectionRetirement
{
    private static final System.Logger LOG = System.getLogger(ConnectionRetirement.class.getName());
    /**
     * How long an idle retiring connection stays open before the client closes it: a one-way message, which
     * registers no call, may have taken the connection an instant before it left the pool and still be writing.
     */
    private static final long CLOSE_GRACE_MILLIS = 50;

    /** Retiring connections, each mapped to whether the client has closed it (it stays until it has closed). */
    private final ConcurrentHashMap<Connection, Boolean> retiring = new ConcurrentHashMap<>();
    private final ConnectionPool pool;
    private final ScheduledExecutorService timer;
    private final TransportMetrics metrics;
    private final Predicate<Connection> hasPendingCalls;

    /**
     * @param pool            hands out the connections; retiring ones leave it.
     * @param timer           runs the delayed close.
     * @param metrics         counts resets and the connections closed for them.
     * @param hasPendingCalls whether calls still await replies on a connection.
     */
    ConnectionRetirement(final ConnectionPool pool, final ScheduledExecutorService timer,
        final TransportMetrics metrics, final Predicate<Connection> hasPendingCalls)
    {
        this.pool = pool;
        this.timer = timer;
        this.metrics = metrics;
        this.hasPendingCalls = hasPendingCalls;
    }

    /**
     * The server asked to reset {@code connection}. The pool lets go of it before it is marked retiring, so a call
     * that finds it marked gets another connection from the pool.
     */
    void requested(final Connection connection)
    {
        if (retiring.containsKey(connection))
        {
            return;
        }
        pool.retire(connection);
        if (retiring.putIfAbsent(connection, Boolean.FALSE) != null)
        {
            return;
        }
        metrics.recordConnectionReset();
        LOG.log(DEBUG, "server at {0}://{1} asked to reset the connection: retiring it", connection.kind(),
            connection.remoteAddress());
        connection.closeFuture().whenComplete((v, e) -> retiring.remove(connection));
        closeWhenIdle(connection);
    }

    /**
     * @return whether {@code connection} is being retired: a call must not be sent on it.
     */
    boolean isRetiring(final Connection connection)
    {
        return connection != null && !retiring.isEmpty() && retiring.containsKey(connection);
    }

    /**
     * A call on {@code connection} has ended: close the connection if it is retiring and this was its last call.
     */
    void callEnded(final Connection connection)
    {
        if (isRetiring(connection))
        {
            closeWhenIdle(connection);
        }
    }

    private void closeWhenIdle(final Connection connection)
    {
        if (hasPendingCalls.test(connection))
        {
            return;
        }
        try
        {
            timer.schedule(() -> closeIfIdle(connection), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final RejectedExecutionException ex)
        {
            // The client is closing, and closes the connection itself.
        }
    }

    private void closeIfIdle(final Connection connection)
    {
        if (!hasPendingCalls.test(connection) && retiring.replace(connection, Boolean.FALSE, Boolean.TRUE))
        {
            connection.close();
            metrics.recordRetiredConnection();
            LOG.log(DEBUG, "closed retired connection to {0}://{1}", connection.kind(), connection.remoteAddress());
        }
    }
}
