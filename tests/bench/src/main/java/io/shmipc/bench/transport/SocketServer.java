package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accepts connections on a {@link SocketTransport} and serves each on its own thread: read a frame, let the handler
 * verify it and write the response in place, write the response frame.
 */
final class SocketServer implements BenchServer
{
    private final SocketTransport transport;
    private final TransportSettings settings;
    private final RequestHandler.Factory handlers;
    private final ServerSocketChannel serverChannel;
    private final String endpoint;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private SocketServer(
        final SocketTransport transport,
        final TransportSettings settings,
        final RequestHandler.Factory handlers,
        final ServerSocketChannel serverChannel) throws IOException
    {
        this.transport = transport;
        this.settings = settings;
        this.handlers = handlers;
        this.serverChannel = serverChannel;
        this.endpoint = transport.endpointOf(serverChannel);
    }

    static SocketServer start(
        final SocketTransport transport, final TransportSettings settings, final RequestHandler.Factory handlers)
        throws IOException
    {
        final SocketServer server = new SocketServer(transport, settings, handlers, transport.openServerChannel());
        final Thread acceptor = new Thread(server::acceptLoop, transport.name() + "-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    @Override
    public String endpoint()
    {
        return endpoint;
    }

    private void acceptLoop()
    {
        int accepted = 0;
        while (!closed.get())
        {
            try
            {
                final SocketChannel channel = serverChannel.accept();
                transport.configureAccepted(channel);
                connections.add(channel);
                final Thread worker = new Thread(
                    () -> serve(channel), transport.name() + "-connection-" + accepted++);
                worker.setDaemon(true);
                worker.start();
            }
            catch (final ClosedChannelException e)
            {
                return;
            }
            catch (final IOException e)
            {
                if (!closed.get())
                {
                    System.err.println(transport.name() + " server: accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(final SocketChannel channel)
    {
        final ByteBuffer in = SocketFraming.allocate(settings.maxPayload());
        final ByteBuffer out = SocketFraming.allocate(settings.maxPayload());
        final UnsafeBuffer inView = new UnsafeBuffer(in);
        final UnsafeBuffer outView = new UnsafeBuffer(out);
        try (RequestHandler handler = handlers.newHandler(); channel)
        {
            while (true)
            {
                final int length = SocketFraming.readFrame(channel, in);
                if (length < 0)
                {
                    return;
                }
                handler.onRequest(inView, SocketFraming.HEADER_LENGTH, length, outView, SocketFraming.HEADER_LENGTH);
                SocketFraming.writeFrame(channel, out, length);
            }
        }
        catch (final AsynchronousCloseException e)
        {
            // closed by close(): nothing to report
        }
        catch (final IOException e)
        {
            if (!closed.get())
            {
                System.err.println(transport.name() + " server: connection ended: " + e.getMessage());
            }
        }
        finally
        {
            connections.remove(channel);
        }
    }

    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        closeQuietly(serverChannel);
        for (final SocketChannel channel : connections)
        {
            closeQuietly(channel);
        }
        transport.cleanUp(endpoint);
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception e)
        {
            // best effort on shutdown
        }
    }
}
