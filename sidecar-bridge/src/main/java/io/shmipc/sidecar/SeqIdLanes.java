package io.shmipc.sidecar;

import io.shmipc.transport.RpcClient;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The clients to one next hop, so that every relayed call keeps the seq id its caller gave it. One client matches
 * replies by seq id, so two callers that both have call 17 in flight cannot share a client: the second one takes
 * the next lane (another client, with its own connections), made when first needed, up to a bound. A seq id whose
 * call timed out stays claimed for a while, so that a late reply cannot be taken for the answer to the next call
 * with the same seq id.
 */
final class SeqIdLanes implements AutoCloseable
{
    /** Marks a seq id whose call is in flight, as opposed to one quarantined until a deadline. */
    private static final long IN_FLIGHT = Long.MIN_VALUE;
    /** Quarantined seq ids kept before expired ones are swept. */
    private static final int SWEEP_THRESHOLD = 4096;

    private final Supplier<RpcClient> factory;
    private final int maxLanes;
    private final CopyOnWriteArrayList<Lane> lanes = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * @param factory  makes the client of a new lane.
     * @param maxLanes how many callers may have the same seq id in flight to this hop at once.
     */
    SeqIdLanes(final Supplier<RpcClient> factory, final int maxLanes)
    {
        this.factory = factory;
        this.maxLanes = maxLanes;
    }

    /**
     * @param seqId the caller's seq id.
     * @return a lane on which {@code seqId} is now claimed; give it back with {@link Lane#release} or
     * {@link Lane#quarantine}.
     * @throws IllegalStateException when every lane already carries that seq id, or the bridge is closing.
     */
    Lane claim(final int seqId)
    {
        for (final Lane lane : lanes)
        {
            if (lane.tryClaim(seqId))
            {
                return lane;
            }
        }
        synchronized (this)
        {
            if (closed)
            {
                throw new IllegalStateException("the bridge is shutting down");
            }
            // Lanes may have been added or freed while this thread waited for the lock.
            for (final Lane lane : lanes)
            {
                if (lane.tryClaim(seqId))
                {
                    return lane;
                }
            }
            if (lanes.size() >= maxLanes)
            {
                throw new IllegalStateException("seq id " + seqId + " is already in flight from " + maxLanes +
                    " callers to this destination");
            }
            final Lane lane = new Lane(factory.get());
            lane.tryClaim(seqId);
            lanes.add(lane);
            return lane;
        }
    }

    /**
     * @return replies that arrived after their call had timed out, over all lanes.
     */
    long lateReplies()
    {
        long sum = 0;
        for (final Lane lane : lanes)
        {
            sum += lane.client.metrics().lateReplies();
        }
        return sum;
    }

    @Override
    public synchronized void close()
    {
        closed = true;
        for (final Lane lane : lanes)
        {
            lane.client.close();
        }
        lanes.clear();
    }

    /**
     * One client and the seq ids claimed on it.
     */
    static final class Lane
    {
        private final RpcClient client;
        private final ConcurrentHashMap<Integer, Long> claimed = new ConcurrentHashMap<>();

        private Lane(final RpcClient client)
        {
            this.client = client;
        }

        RpcClient client()
        {
            return client;
        }

        private boolean tryClaim(final int seqId)
        {
            final long now = System.nanoTime();
            final boolean[] won = new boolean[1];
            claimed.compute(seqId, (id, state) ->
            {
                if (state == null || (state != IN_FLIGHT && now - state >= 0))
                {
                    won[0] = true;
                    return IN_FLIGHT;
                }
                return state;
            });
            return won[0];
        }

        /**
         * The call with this seq id is over and its reply (if any) has been taken.
         */
        void release(final int seqId)
        {
            claimed.remove(seqId);
        }

        /**
         * The call timed out: its reply may still come, so keep the seq id off this lane for {@code period}.
         */
        void quarantine(final int seqId, final Duration period)
        {
            final long now = System.nanoTime();
            claimed.put(seqId, now + period.toNanos());
            if (claimed.size() > SWEEP_THRESHOLD)
            {
                claimed.values().removeIf(state -> state != IN_FLIGHT && now - state >= 0);
            }
        }
    }
}
