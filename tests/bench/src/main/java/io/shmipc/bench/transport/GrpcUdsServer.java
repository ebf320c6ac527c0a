package io.shmipc.bench.transport;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC server: one boss and one worker event loop, handlers run directly on the worker, so the one
 * {@link RequestHandler} is only ever called from one thread.
 */
final class GrpcUdsServer implements BenchServer
{
    private static final AtomicInteger SERVERS = new AtomicInteger();
    private static final long SHUTDOWN_MILLIS = 2_000;

    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup worker;
    private final RequestHandler handler;
    private final Path path;
    private boolean closed;

    private GrpcUdsServer(
        final Server server,
        final EventLoopGroup boss,
        final EventLoopGroup worker,
        final RequestHandler handler,
        final Path path)
    {
        this.server = server;
        this.boss = boss;
        this.worker = worker;
        this.handler = handler;
        this.path = path;
    }

    static GrpcUdsServer start(final TransportSettings settings, final RequestHandler handler) throws IOException
    {
        final Path path = Path.of(System.getProperty("java.io.tmpdir"),
            "shmipc-bench-grpc-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet() + ".sock");
        Files.deleteIfExists(path);
        final ServerServiceDefinition service = ServerServiceDefinition
            .builder(GrpcUdsTransport.ECHO_METHOD.getServiceName())
            .addMethod(GrpcUdsTransport.ECHO_METHOD, ServerCalls.asyncUnaryCall(
                (byte[] request, StreamObserver<byte[]> observer) -> answer(handler, request, observer)))
            .build();
        final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        final EventLoopGroup worker = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try
        {
            final Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(worker)
                .directExecutor()
                .maxInboundMessageSize(settings.maxPayload() + GrpcUdsTransport.MESSAGE_SIZE_SLACK)
                .addService(service)
                .build()
                .start();
            return new GrpcUdsServer(server, boss, worker, handler, path);
        }
        catch (final IOException | RuntimeException e)
        {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            worker.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static void answer(
        final RequestHandler handler, final byte[] request, final StreamObserver<byte[]> observer)
    {
        final byte[] response = new byte[request.length];
        try
        {
            handler.onRequest(new UnsafeBuffer(request), 0, request.length, new UnsafeBuffer(response), 0);
        }
        catch (final RuntimeException e)
        {
            observer.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
            throw e;
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    @Override
    public String endpoint()
    {
        return path.toString();
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        server.shutdownNow();
        try
        {
            server.awaitTermination(SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        worker.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        handler.close();
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException e)
        {
            System.err.println("grpc-uds server: cannot remove " + path + ": " + e.getMessage());
        }
    }
}
