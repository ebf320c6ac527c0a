package io.shmipc.transport.remote;

import io.shmipc.transport.RpcException;
import io.shmipc.transport.TransportKind;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Kitex's {@code remote.ConnPool} for multiplexed connections: up to a set number of connections per
 * {@link Endpoint} (per transport kind), each carrying many calls at once, handed out round robin and dialled lazily. Dials are
 * dispatched on the endpoint's {@link TransportKind} to the matching {@link Dialer}. A closed connection leaves its
 * slot, and the next call through that slot dials again.
 */
public final class ConnectionPool implements AutoCloseable
{
    private final Map<TransportKind, Dialer> dialers;
    private final Map<TransportKind, Integer> connectionsPerKind;
    private final Duration connectTimeout;
    private final TransHandler handler;
    private final ConcurrentHashMap<Endpoint, Slots> pools = new ConcurrentHashMap<>();
    /** The endpoint looked up last and its slots, replaced whole. */
    private volatile LastLookup lastLookup;
    private volatile boolean closed;

    /**
     * @param dialers                one dialer per transport kind.
     * @param connectionsPerEndpoint connections kept per endpoint, at least 1.
     * @param connectTimeout         passed to every dial.
     * @param handler                receives every connection's events.
     */
    public ConnectionPool(
        final Map<TransportKind, Dialer> dialers,
        final int connectionsPerEndpoint,
        final Duration connectTimeout,
        final TransHandler handler)
    {
        this(dialers, Map.of(TransportKind.TCP, connectionsPerEndpoint, TransportKind.SHM, connectionsPerEndpoint),
            connectTimeout, handler);
    }

    /**
     * @param dialers            one dialer per transport kind.
     * @param connectionsPerKind connections kept per endpoint of each transport kind, each at least 1 (shared
     *                           memory may want one per session, TCP fewer).
     * @param connectTimeout     passed to every dial.
     * @param handler            receives every connection's events.
     */
    public ConnectionPool(
        final Map<TransportKind, Dialer> dialers,
        final Map<TransportKind, Integer> connectionsPerKind,
        final Duration connectTimeout,
        final TransHandler handler)
    {
        this.connectionsPerKind = new EnumMap<>(TransportKind.class);
        for (final TransportKind kind : TransportKind.values())
        {
            final Integer count = connectionsPerKind.get(kind);
            if (count == null || count < 1)
            {
                throw new IllegalArgumentException("connections per " + kind + " endpoint must be at least 1, got " +
                    count);
            }
            this.connectionsPerKind.put(kind, count);
        }
        this.dialers = new EnumMap<>(TransportKind.class);
        this.dialers.putAll(dialers);
        this.connectTimeout = connectTimeout;
        this.handler = handler;
    }

    /**
     * @param kind a transport.
     * @return whether a dialer for it is registered.
     */
    public boolean canDial(final TransportKind kind)
    {
        return dialers.containsKey(kind);
    }

    /**
     * Hand out a connection to {@code endpoint}, dialling one when its slot is empty.
     *
     * @return the connection; fails with the dialer's exception, or at once when the pool is closed or no dialer
     * serves the endpoint's transport.
     */
    public CompletableFuture<Connection> acquire(final Endpoint endpoint)
    {
        if (closed)
        {
            return CompletableFuture.failedFuture(new RpcException("connection pool is closed"));
        }
        final Dialer dialer = dialers.get(endpoint.kind());
        if (dialer == null)
        {
            return CompletableFuture.failedFuture(
                new RpcException("no dialer is registered for " + endpoint.kind() + " (dialling " + endpoint + ")"));
        }
        return pools.computeIfAbsent(endpoint, e -> new Slots(e, dialer)).next();
    }

    /**
     * Stop handing out {@code connection}: its slot is emptied, so the next acquisition through it dials afresh, and
     * its dialer is told ({@link Dialer#retire}). The connection stays open for the calls already on it; closing
     * it is the caller's business. Idempotent.
     *
     * @param connection a connection this pool handed out.
     */
    public void retire(final Connection connection)
    {
        for (final Slots slots : pools.values())
        {
            if (slots.remove(connection))
            {
                slots.dialer.retire(connection);
            }
        }
    }

    /**
     * The connection next in turn for {@code endpoint} if it is open now: no dialling, no future, no allocation.
     *
     * @return the connection, or {@code null} when that one is not open (then {@link #acquire}).
     */
    public Connection activeConnection(final Endpoint endpoint)
    {
        final Slots slots = slotsOf(endpoint);
        return slots != null && !closed ? slots.nextActive() : null;
    }

    /**
     * The slots of {@code endpoint}, if it has any: those of the endpoint asked for last when it is the same instance,
     * as it is call after call (no hashing of the endpoint, no map lookup); slots are never removed.
     */
    private Slots slotsOf(final Endpoint endpoint)
    {
        final LastLookup cached = lastLookup;
        if (cached != null && cached.endpoint == endpoint)
        {
            return cached.slots;
        }
        final Slots slots = pools.get(endpoint);
        if (slots != null)
        {
            lastLookup = new LastLookup(endpoint, slots);
        }
        return slots;
    }

    /**
     * @return whether {@code endpoint} has an open connection right now (no dialling).
     */
    public boolean hasActiveConnection(final Endpoint endpoint)
    {
        final Slots slots = slotsOf(endpoint);
        return slots != null && slots.activeCount() > 0;
    }

    /**
     * @return the endpoints that have an open connection now.
     */
    public Set<Endpoint> endpoints()
    {
        final Set<Endpoint> endpoints = new HashSet<>();
        pools.forEach((endpoint, slots) ->
        {
            if (slots.activeCount() > 0)
            {
                endpoints.add(endpoint);
            }
        });
        return Set.copyOf(endpoints);
    }

    /**
     * @return open connections across all endpoints.
     */
    public int activeConnectionCount()
    {
        int count = 0;
        for (final Slots slots : pools.values())
        {
            count += slots.activeCount();
        }
        return count;
    }

    /**
     * Close every pooled connection; later acquisitions fail. Idempotent. Dialers are not closed: their owner does.
     */
    @Override
    public void close()
    {
        closed = true;
        for (final Slots slots : pools.values())
        {
            slots.closeAll();
        }
    }

    private record LastLookup(Endpoint endpoint, Slots slots)
    {
    }

    private final class Slots
    {
        private final Endpoint endpoint;
        private final Dialer dialer;
        private final int connectionsPerEndpoint;
        private final AtomicReferenceArray<CompletableFuture<Connection>> slots;
        private final AtomicInteger cursor = new AtomicInteger();

        Slots(final Endpoint endpoint, final Dialer dialer)
        {
            this.endpoint = endpoint;
            this.dialer = dialer;
            this.connectionsPerEndpoint = connectionsPerKind.get(endpoint.kind());
            this.slots = new AtomicReferenceArray<>(connectionsPerEndpoint);
        }

        CompletableFuture<Connection> next()
        {
            final int index = nextIndex();
            // Bounded: each failed CAS means another caller installed a fresh dial in this slot, which we then use.
            for (int attempt = 0; attempt < 2; attempt++)
            {
                final CompletableFuture<Connection> current = slots.get(index);
                if (current != null && isUsable(current))
                {
                    return current;
                }
                final CompletableFuture<Connection> dialling = new CompletableFuture<>();
                if (slots.compareAndSet(index, current, dialling))
                {
                    if (current != null && current.isDone() && !current.isCompletedExceptionally())
                    {
                        current.join().close();
                    }
                    dial(index, dialling);
                    return dialling;
                }
            }
            final CompletableFuture<Connection> winner = slots.get(index);
            return winner != null ? winner : next();
        }

        /**
         * @return the connection next in turn if it is open, else {@code null}.
         */
        Connection nextActive()
        {
            return openConnection(slots.get(nextIndex()));
        }

        /** The slot whose turn it is, round robin (no shared counter to bump with a single slot). */
        private int nextIndex()
        {
            return connectionsPerEndpoint == 1 ? 0 : Math.floorMod(cursor.getAndIncrement(), connectionsPerEndpoint);
        }

        private boolean isUsable(final CompletableFuture<Connection> slot)
        {
            return !slot.isDone() || openConnection(slot) != null;
        }

        private void dial(final int index, final CompletableFuture<Connection> dialling)
        {
            final CompletableFuture<Connection> dialled;
            try
            {
                dialled = dialer.dial(endpoint.address(), connectTimeout, handler);
            }
            catch (final RuntimeException ex)
            {
                slots.compareAndSet(index, dialling, null);
                dialling.completeExceptionally(ex);
                return;
            }
            dialled.whenComplete((connection, error) ->
            {
                if (error != null)
                {
                    slots.compareAndSet(index, dialling, null);
                    dialling.completeExceptionally(error);
                    return;
                }
                if (closed)
                {
                    connection.close();
                    slots.compareAndSet(index, dialling, null);
                    dialling.completeExceptionally(new RpcException("connection pool closed while dialling " +
                        endpoint));
                    return;
                }
                connection.closeFuture().whenComplete((v, e) -> slots.compareAndSet(index, dialling, null));
                dialling.complete(connection);
            });
        }

        /**
         * @return whether {@code connection} was in a slot of this endpoint (it no longer is).
         */
        boolean remove(final Connection connection)
        {
            boolean removed = false;
            for (int i = 0; i < connectionsPerEndpoint; i++)
            {
                final CompletableFuture<Connection> slot = slots.get(i);
                if (slot != null && slot.isDone() && !slot.isCompletedExceptionally() && slot.join() == connection)
                {
                    removed |= slots.compareAndSet(i, slot, null);
                }
            }
            return removed;
        }

        int activeCount()
        {
            int count = 0;
            for (int i = 0; i < connectionsPerEndpoint; i++)
            {
                if (openConnection(slots.get(i)) != null)
                {
                    count++;
                }
            }
            return count;
        }

        /**
         * @return the slot's connection if it was dialled and is open now, else {@code null}.
         */
        private static Connection openConnection(final CompletableFuture<Connection> slot)
        {
            if (slot == null || !slot.isDone() || slot.isCompletedExceptionally())
            {
                return null;
            }
            final Connection connection = slot.join();
            return connection.isActive() ? connection : null;
        }

        void closeAll()
        {
            for (int i = 0; i < connectionsPerEndpoint; i++)
            {
                final CompletableFuture<Connection> slot = slots.getAndSet(i, null);
                if (slot != null)
                {
                    slot.thenAccept(Connection::close);
                }
            }
        }
    }
}
