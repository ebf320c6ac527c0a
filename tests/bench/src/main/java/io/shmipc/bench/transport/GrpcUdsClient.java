package io.shmipc.bench.transport;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gRPC client: one channel, one event loop, and per stream one outstanding unary call whose future
 * {@link #receive} waits on. Request arrays are reused per stream once the previous call on it has completed.
 */
final class GrpcUdsClient implements BenchClient
{
    private static final long SHUTDOWN_MILLIS = 2_000;

    private final EventLoopGroup group;
    private final ManagedChannel channel;
    private final byte[][] requests;
    @SuppressWarnings("unchecked")
    private final Future<byte[]>[] pending;
    private final long timeoutNanos;
    private boolean closed;

    @SuppressWarnings("unchecked")
    GrpcUdsClient(final TransportSettings settings, final String endpoint)
    {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(endpoint))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .negotiationType(NegotiationType.PLAINTEXT)
            .directExecutor()
            .maxInboundMessageSize(settings.maxPayload() + GrpcUdsTransport.MESSAGE_SIZE_SLACK)
            .build();
        requests = new byte[settings.streams()][];
        pending = new Future[settings.streams()];
        timeoutNanos = settings.timeoutNanos();
    }

    @Override
    public void send(final int stream, final int length, final PayloadWriter writer)
    {
        byte[] request = requests[stream];
        if (request == null || request.length != length)
        {
            request = new byte[length];
            requests[stream] = request;
        }
        writer.write(new UnsafeBuffer(request), 0, length);
        pending[stream] = ClientCalls.futureUnaryCall(
            channel.newCall(GrpcUdsTransport.ECHO_METHOD, CallOptions.DEFAULT), request);
    }

    @Override
    public void receive(final int stream, final PayloadReader reader)
        throws InterruptedException, TimeoutException, ExecutionException
    {
        final Future<byte[]> call = pending[stream];
        if (call == null)
        {
            throw new IllegalStateException("grpc-uds: no call outstanding on stream " + stream);
        }
        pending[stream] = null;
        final byte[] response;
        try
        {
            response = call.get(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException e)
        {
            throw new ExecutionException("grpc-uds call failed: " + e.getCause().getMessage(), e.getCause());
        }
        reader.read(new UnsafeBuffer(response), 0, response.length);
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        channel.shutdownNow();
        try
        {
            channel.awaitTermination(SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }
}
