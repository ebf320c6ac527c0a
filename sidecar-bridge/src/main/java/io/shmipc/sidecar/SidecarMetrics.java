package io.shmipc.sidecar;

import io.shmipc.transport.TransportMetrics;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * Counters of one bridge, rendered in the Prometheus text format by {@link #prometheus}. Thread-safe; counting is
 * a lock-free add.
 */
public final class SidecarMetrics
{
    private static final FailureReason[] REASONS = FailureReason.values();
    private static final Direction[] DIRECTIONS = Direction.values();

    /**
     * Which way a call crosses the bridge.
     */
    public enum Direction
    {
        /** Local app to the network. */
        EGRESS,
        /** Network to the local app. */
        INGRESS;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final AtomicLongArray requests = new AtomicLongArray(DIRECTIONS.length);
    private final AtomicLongArray forwarded = new AtomicLongArray(DIRECTIONS.length);
    private final AtomicLongArray requestBytes = new AtomicLongArray(DIRECTIONS.length);
    private final AtomicLongArray responseBytes = new AtomicLongArray(DIRECTIONS.length);
    private final AtomicLongArray failures = new AtomicLongArray(DIRECTIONS.length * REASONS.length);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();

    void callStarted(final Direction direction, final int payloadBytes)
    {
        requests.incrementAndGet(direction.ordinal());
        requestBytes.addAndGet(direction.ordinal(), payloadBytes);
        inFlight.incrementAndGet();
    }

    void callForwarded(final Direction direction, final int replyBytes)
    {
        forwarded.incrementAndGet(direction.ordinal());
        responseBytes.addAndGet(direction.ordinal(), replyBytes);
        inFlight.decrementAndGet();
    }

    void callFailed(final Direction direction, final FailureReason reason)
    {
        failures.incrementAndGet(direction.ordinal() * REASONS.length + reason.ordinal());
        inFlight.decrementAndGet();
    }

    void connectionOpened()
    {
        openConnections.incrementAndGet();
    }

    void connectionClosed()
    {
        openConnections.decrementAndGet();
    }

    /**
     * @param direction a direction.
     * @return calls received in that direction.
     */
    public long requests(final Direction direction)
    {
        return requests.get(direction.ordinal());
    }

    /**
     * @param direction a direction.
     * @param reason    a failure reason.
     * @return calls answered with that failure.
     */
    public long failures(final Direction direction, final FailureReason reason)
    {
        return failures.get(direction.ordinal() * REASONS.length + reason.ordinal());
    }

    /**
     * @return calls being forwarded now.
     */
    public int inFlight()
    {
        return inFlight.get();
    }

    /**
     * @param egressServer    counters of the server apps call (for malformed frames), or {@code null}.
     * @param ingressServer   counters of the ingress server, or {@code null}.
     * @param upstreamClients counters of the upstream connection pools, summed when asked.
     * @return the Prometheus text exposition.
     */
    public String prometheus(
        final TransportMetrics egressServer,
        final TransportMetrics ingressServer,
        final Supplier<Long> upstreamClients)
    {
        final StringBuilder out = new StringBuilder(2048);
        header(out, "shmipc_sidecar_requests_total", "counter", "calls received, by direction");
        for (final Direction d : DIRECTIONS)
        {
            sample(out, "shmipc_sidecar_requests_total", "direction=\"" + d.label() + '"', requests(d));
        }
        header(out, "shmipc_sidecar_forwarded_total", "counter", "calls answered with the upstream's reply");
        for (final Direction d : DIRECTIONS)
        {
            sample(out, "shmipc_sidecar_forwarded_total", "direction=\"" + d.label() + '"',
                forwarded.get(d.ordinal()));
        }
        header(out, "shmipc_sidecar_failures_total", "counter", "calls answered with an error, by reason");
        for (final Direction d : DIRECTIONS)
        {
            for (final FailureReason r : REASONS)
            {
                sample(out, "shmipc_sidecar_failures_total",
                    "direction=\"" + d.label() + "\",reason=\"" + r.label() + '"', failures(d, r));
            }
        }
        header(out, "shmipc_sidecar_request_bytes_total", "counter", "payload bytes received in calls");
        for (final Direction d : DIRECTIONS)
        {
            sample(out, "shmipc_sidecar_request_bytes_total", "direction=\"" + d.label() + '"',
                requestBytes.get(d.ordinal()));
        }
        header(out, "shmipc_sidecar_response_bytes_total", "counter", "payload bytes relayed in replies");
        for (final Direction d : DIRECTIONS)
        {
            sample(out, "shmipc_sidecar_response_bytes_total", "direction=\"" + d.label() + '"',
                responseBytes.get(d.ordinal()));
        }
        header(out, "shmipc_sidecar_in_flight", "gauge", "calls being forwarded now");
        sample(out, "shmipc_sidecar_in_flight", null, inFlight.get());
        header(out, "shmipc_sidecar_open_connections", "gauge", "connections from apps and callers now open");
        sample(out, "shmipc_sidecar_open_connections", null, openConnections.get());
        header(out, "shmipc_sidecar_malformed_frames_total", "counter",
            "frames from apps or callers that could not be decoded (their connection is closed)");
        sample(out, "shmipc_sidecar_malformed_frames_total", null,
            (egressServer != null ? egressServer.malformedFrames() : 0) +
            (ingressServer != null ? ingressServer.malformedFrames() : 0));
        header(out, "shmipc_sidecar_upstream_late_replies_total", "counter",
            "upstream replies that arrived after their call had timed out");
        sample(out, "shmipc_sidecar_upstream_late_replies_total", null, upstreamClients.get());
        return out.toString();
    }

    private static void header(final StringBuilder out, final String name, final String type, final String help)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(final StringBuilder out, final String name, final String labels, final long value)
    {
        out.append(name);
        if (labels != null)
        {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
    }
}
