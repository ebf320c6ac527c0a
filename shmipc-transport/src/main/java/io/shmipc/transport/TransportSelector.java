package io.shmipc.transport;

import io.shmipc.transport.config.ShmSettings;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.ConnectionPool;
import io.shmipc.transport.remote.Endpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import static java.lang.System.Logger.Level.INFO;

/**
 * Chooses each call's path when it needs a connection: shared memory if enabled, a shared-memory dialer is
 * registered, the control socket exists and the dial (handshake, peer uid check) succeeds; TCP otherwise. Each
 * distinct reason for not using shared memory is logged once at INFO; after a failed shared-memory attempt the
 * client stays on TCP for the retry interval instead of paying for a failing dial on every call.
 */
final class TransportSelector
{
    /** The start of the fallback reason when no shared-memory dialer is registered. */
    static final String SHM_NOT_AVAILABLE = "shm transport not available";

    private static final System.Logger LOG = System.getLogger(TransportSelector.class.getName());

    /**
     * A connection and the path it stands for.
     *
     * @param connection the connection.
     * @param callInfo   the path, with the fallback reason if any.
     */
    record Route(Connection connection, CallInfo callInfo)
    {
    }

    private final ShmSettings settings;
    private final ConnectionPool pool;
    private final Endpoint shmEndpoint;
    private final Endpoint tcpEndpoint;
    private final long retryIntervalNanos;
    private final TransportMetrics metrics;
    private final Set<String> loggedReasons = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, CallInfo> fallbackInfos = new ConcurrentHashMap<>();
    private final String shmUnavailable;
    private volatile String shmFailure;
    private volatile long shmRetryAtNanos;

    TransportSelector(
        final ShmSettings settings,
        final String tcpAddress,
        final ConnectionPool pool,
        final Duration retryInterval,
        final TransportMetrics metrics,
        final String shmUnavailable)
    {
        this.settings = settings;
        this.pool = pool;
        this.shmEndpoint = new Endpoint(TransportKind.SHM, settings.path());
        this.tcpEndpoint = new Endpoint(TransportKind.TCP, tcpAddress);
        this.retryIntervalNanos = retryInterval.toNanos();
        this.metrics = metrics;
        this.shmUnavailable = shmUnavailable;
    }

    /**
     * The usual route, taken without futures: an open shared-memory connection.
     *
     * @return the connection, or {@code null} when shm is off or no connection is open now (then {@link #connect()}).
     */
    Connection openShmConnection()
    {
        return settings.enabled() ? pool.activeConnection(shmEndpoint) : null;
    }

    CompletableFuture<Route> connect()
    {
        if (!settings.enabled())
        {
            return tcp(null);
        }
        if (!pool.canDial(TransportKind.SHM))
        {
            return fallback(shmUnavailable != null ? shmUnavailable : SHM_NOT_AVAILABLE);
        }
        if (pool.hasActiveConnection(shmEndpoint))
        {
            final CompletableFuture<Connection> acquired = pool.acquire(shmEndpoint);
            if (acquired.isDone() && !acquired.isCompletedExceptionally())
            {
                final Connection connection = acquired.join();
                return CompletableFuture.completedFuture(new Route(connection, connection.callInfo()));
            }
            return acquired.thenApply(c -> new Route(c, c.callInfo()));
        }
        final String failure = shmFailure;
        if (failure != null && System.nanoTime() - shmRetryAtNanos < 0)
        {
            return fallback(failure);
        }
        if (!Files.exists(Path.of(settings.path())))
        {
            return shmFailed("control socket " + settings.path() + " does not exist");
        }
        return pool.acquire(shmEndpoint)
            .handle((connection, error) -> error == null ?
                CompletableFuture.completedFuture(new Route(connection, connection.callInfo())) :
                shmFailed("shm connect to " + settings.path() + " failed: " + describe(error)))
            .thenCompose(Function.identity());
    }

    private CompletableFuture<Route> shmFailed(final String reason)
    {
        shmFailure = reason;
        shmRetryAtNanos = System.nanoTime() + retryIntervalNanos;
        return fallback(reason);
    }

    private CompletableFuture<Route> fallback(final String reason)
    {
        metrics.recordFallback();
        if (loggedReasons.add(reason))
        {
            LOG.log(INFO, "shared memory not used for calls to {0}, using TCP: {1}", tcpEndpoint.address(), reason);
        }
        return tcp(reason);
    }

    private CompletableFuture<Route> tcp(final String fallbackReason)
    {
        return pool.acquire(tcpEndpoint).thenApply(c -> new Route(c, fallbackReason == null ? c.callInfo() :
            fallbackInfos.computeIfAbsent(fallbackReason,
                r -> new CallInfo(TransportKind.TCP, tcpEndpoint.address(), r))));
    }

    private static String describe(final Throwable error)
    {
        final Throwable cause = error instanceof CompletionException && error.getCause() != null ?
            error.getCause() : error;
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
