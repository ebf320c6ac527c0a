package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.transport.RequestContext;
import io.shmipc.transport.RpcHandler;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Server side of the RPC bench transports: one {@link RpcServer} on loopback TCP and, for {@code shm-rpc}, on a
 * shared-memory control socket. The RPC handler is called on several threads at once while a bench
 * {@link RequestHandler} serves one thread, so each serving thread gets its own handler and its own response buffer
 * (the transport copies the response into the outbound frame before the thread serves anything else).
 */
final class RpcBenchServer implements BenchServer
{
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);
    private static final String SOCKET_NAME = "rpc.sock";

    private final RpcServer server;
    private final Path directory;
    private final String endpoint;
    private final Queue<RequestHandler> handlers;
    private boolean closed;

    private RpcBenchServer(
        final RpcServer server, final Path directory, final String endpoint, final Queue<RequestHandler> handlers)
    {
        this.server = server;
        this.directory = directory;
        this.endpoint = endpoint;
        this.handlers = handlers;
    }

    static RpcBenchServer start(
        final RpcTransport transport, final TransportSettings settings, final RequestHandler.Factory factory)
        throws IOException
    {
        final Queue<RequestHandler> handlers = new ConcurrentLinkedQueue<>();
        final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(() ->
        {
            final RequestHandler handler = factory.newHandler();
            handlers.add(handler);
            return new PerThread(handler);
        });
        final RpcHandler rpcHandler = (RequestContext context, DirectBuffer request) ->
            perThread.get().serve(request);
        final ServerOptions.Builder options = ServerOptions.builder(rpcHandler)
            .maxFrameSize(RpcTransport.maxFrameSize(settings))
            .drainTimeout(DRAIN_TIMEOUT)
            .nonBlockingHandler(transport.nonBlockingHandler());
        Path directory = null;
        if (transport.usesShm())
        {
            directory = Files.createTempDirectory("shmipc-bench-rpc-");
            RpcTransport.configure(options.shm().enabled(true).path(directory.resolve(SOCKET_NAME).toString()),
                settings);
        }
        final RpcServer server = RpcServer.start(options.build());
        final String endpoint = server.tcpAddress() +
            (directory != null ? RpcTransport.ENDPOINT_SEPARATOR + directory.resolve(SOCKET_NAME) : "");
        return new RpcBenchServer(server, directory, endpoint, handlers);
    }

    @Override
    public String endpoint()
    {
        return endpoint;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        server.close();
        for (final RequestHandler handler : handlers)
        {
            handler.close();
        }
        if (directory != null)
        {
            try
            {
                Files.deleteIfExists(directory.resolve(SOCKET_NAME));
                Files.deleteIfExists(directory);
            }
            catch (final IOException ignored)
            {
                // a temp directory left behind is harmless
            }
        }
    }

    /**
     * One serving thread's handler and response buffer, grown to the largest response once.
     */
    private static final class PerThread
    {
        private final RequestHandler handler;
        private byte[] bytes = new byte[0];
        private final UnsafeBuffer response = new UnsafeBuffer(bytes);

        PerThread(final RequestHandler handler)
        {
            this.handler = handler;
        }

        DirectBuffer serve(final DirectBuffer request)
        {
            final int length = request.capacity();
            if (bytes.length < length)
            {
                bytes = new byte[length];
            }
            response.wrap(bytes, 0, length);
            handler.onRequest(request, 0, length, response, 0);
            return response;
        }
    }
}
