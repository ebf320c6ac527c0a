package io.shmipc.transport;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a client or server: calls per path, fallbacks, failures and protocol errors. Cheap to update from
 * many threads; read for metrics and tests.
 */
public final class TransportMetrics
{
    private final LongAdder shmCalls = new LongAdder();
    private final LongAdder tcpCalls = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder failedCalls = new LongAdder();
    private final LongAdder timedOutCalls = new LongAdder();
    private final LongAdder cancelledCalls = new LongAdder();
    private final LongAdder lateReplies = new LongAdder();
    private final LongAdder malformedFrames = new LongAdder();
    private final LongAdder stalledFrames = new LongAdder();
    private final LongAdder connectionResets = new LongAdder();
    private final LongAdder retiredConnections = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();

    void recordCall(final TransportKind kind)
    {
        (kind == TransportKind.SHM ? shmCalls : tcpCalls).increment();
    }

    void recordFallback()
    {
        fallbacks.increment();
    }

    void recordFailure()
    {
        failedCalls.increment();
    }

    void recordTimeout()
    {
        timedOutCalls.increment();
    }

    void recordCancel()
    {
        cancelledCalls.increment();
    }

    void recordLateReply()
    {
        lateReplies.increment();
    }

    void recordMalformedFrame()
    {
        malformedFrames.increment();
    }

    void recordStalledFrame()
    {
        stalledFrames.increment();
    }

    void recordConnectionReset()
    {
        connectionResets.increment();
    }

    void recordRetiredConnection()
    {
        retiredConnections.increment();
    }

    AtomicInteger inFlightCounter()
    {
        return inFlight;
    }

    /**
     * @param kind a transport.
     * @return calls that went over it (client: sent; server: received).
     */
    public long calls(final TransportKind kind)
    {
        return (kind == TransportKind.SHM ? shmCalls : tcpCalls).sum();
    }

    /**
     * @return calls routed over TCP although shared memory was enabled.
     */
    public long fallbacks()
    {
        return fallbacks.sum();
    }

    /**
     * @return calls that ended in an exception (timeouts included).
     */
    public long failedCalls()
    {
        return failedCalls.sum();
    }

    /**
     * @return calls whose deadline passed.
     */
    public long timedOutCalls()
    {
        return timedOutCalls.sum();
    }

    /**
     * @return calls cancelled by the caller.
     */
    public long cancelledCalls()
    {
        return cancelledCalls.sum();
    }

    /**
     * @return replies that arrived after their call had timed out or been cancelled, and were dropped.
     */
    public long lateReplies()
    {
        return lateReplies.sum();
    }

    /**
     * @return malformed frames received (each closed its connection).
     */
    public long malformedFrames()
    {
        return malformedFrames.sum();
    }

    /**
     * @return connections closed because a frame began and did not complete within the frame read timeout.
     */
    public long stalledFrames()
    {
        return stalledFrames.sum();
    }

    /**
     * @return connections a server asked this client to reset (TTHeader {@code crrst}); each left the pool at once.
     */
    public long connectionResets()
    {
        return connectionResets.sum();
    }

    /**
     * @return connections this client closed after they were reset, once their last call had ended.
     */
    public long retiredConnections()
    {
        return retiredConnections.sum();
    }

    /**
     * @return calls in flight now.
     */
    public int inFlight()
    {
        return inFlight.get();
    }

    @Override
    public String toString()
    {
        return "TransportMetrics{shmCalls=" + shmCalls + ", tcpCalls=" + tcpCalls + ", fallbacks=" + fallbacks +
            ", failedCalls=" + failedCalls + ", timedOutCalls=" + timedOutCalls + ", cancelledCalls=" +
            cancelledCalls + ", lateReplies=" + lateReplies + ", malformedFrames=" + malformedFrames +
            ", stalledFrames=" + stalledFrames + ", connectionResets=" + connectionResets + ", retiredConnections=" +
            retiredConnections + ", inFlight=" + inFlight + '}';
    }
}
