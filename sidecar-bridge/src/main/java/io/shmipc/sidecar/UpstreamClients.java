package io.shmipc.sidecar;

import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.tcp.TcpAddresses;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TCP clients (Netty, each with its own connection pool) to the upstreams: {@link SeqIdLanes} per upstream
 * address and framing, made on first use and closed with the bridge; a call leaves in the framing it arrived in.
 * Shared memory is switched off for upstreams whatever the environment says: the network side of a sidecar is TCP
 * by definition.
 */
final class UpstreamClients implements AutoCloseable
{
    private final ConcurrentHashMap<String, SeqIdLanes> upstreams = new ConcurrentHashMap<>();
    private final int connections;
    private final Duration connectTimeout;
    private final Duration callTimeout;
    private final int maxFrame;
    private final int maxLanes;
    private volatile boolean closed;

    UpstreamClients(final int connections, final Duration connectTimeout, final Duration callTimeout,
        final int maxFrame, final int maxLanes)
    {
        this.connections = connections;
        this.connectTimeout = connectTimeout;
        this.callTimeout = callTimeout;
        this.maxFrame = maxFrame;
        this.maxLanes = maxLanes;
    }

    /**
     * @param address upstream {@code host:port}.
     * @param format  the framing the call came in, kept on the way out.
     * @return the lanes to that upstream.
     * @throws IllegalArgumentException when the address cannot be parsed.
     * @throws IllegalStateException when the bridge is closing.
     */
    SeqIdLanes lanes(final String address, final FrameFormat format)
    {
        final String key = format + " " + address;
        final SeqIdLanes existing = upstreams.get(key);
        if (existing != null)
        {
            return existing;
        }
        TcpAddresses.parse(address);
        if (closed)
        {
            throw new IllegalStateException("the bridge is shutting down");
        }
        return upstreams.computeIfAbsent(key, k -> new SeqIdLanes(() -> newClient(address, format), maxLanes));
    }

    /**
     * @return upstream replies that arrived after their call timed out, over all upstreams.
     */
    long lateReplies()
    {
        long sum = 0;
        for (final SeqIdLanes lanes : upstreams.values())
        {
            sum += lanes.lateReplies();
        }
        return sum;
    }

    private RpcClient newClient(final String address, final FrameFormat format)
    {
        final ClientOptions.Builder options = ClientOptions.builder()
            .target(address)
            .frameFormat(format)
            .connectionsPerAddress(connections)
            .connectTimeout(connectTimeout)
            .callTimeout(callTimeout)
            .maxFrameSize(maxFrame);
        options.shm().enabled(false);
        return RpcClient.create(options.build());
    }

    @Override
    public void close()
    {
        closed = true;
        for (final SeqIdLanes lanes : upstreams.values())
        {
            lanes.close();
        }
        upstreams.clear();
    }
}
