package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamReader;
import io.shmipc.core.StreamWriter;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Server side of the {@code shm} bench transport: a core {@link ShmServer} answering every message with one of the
 * same length, written in place into shared memory when it fits a slice. Handlers that never wait run as
 * {@link io.shmipc.core.StreamListener}s on the session's receive thread (one thread serves every stream, as an
 * event loop would); handlers that wait on a downstream call get a thread per stream.
 */
final class ShmBenchServer implements BenchServer
{
    private final Path directory;
    private final ShmServer server;

    private ShmBenchServer(final Path directory, final ShmServer server)
    {
        this.directory = directory;
        this.server = server;
    }

    static ShmBenchServer start(final SessionConfig config, final RequestHandler.Factory handlers)
        throws IOException
    {
        final Path directory = Files.createTempDirectory("shmipc-bench-");
        final Path socket = directory.resolve("shm.sock");
        final ShmServer server = handlers.handlersBlock()
            ? ShmServer.start(socket, config, stream -> serve(stream, handlers.newHandler()))
            : ShmServer.startEventDriven(socket, config, stream -> onReadable(stream, handlers));
        return new ShmBenchServer(directory, server);
    }

    /** One stream served by a thread of its own, waiting for each message. */
    private static void serve(final Stream stream, final RequestHandler handler)
    {
        final Responder responder = new Responder(handler);
        try (handler)
        {
            int length;
            while ((length = ShmFraming.awaitMessage(stream, 0)) >= 0)
            {
                responder.respond(stream, ShmFraming.payload(stream, length), 0, length);
                // Reply first: giving the request back is not on the caller's critical path.
                stream.writer().flush();
                stream.reader().release(length);
            }
        }
        catch (final ShmIpcException | RuntimeException e)
        {
            // The client went away or the handler rejected a payload; the client reports what it saw.
        }
        finally
        {
            stream.close();
        }
    }

    /** Every whole message buffered on the stream, answered without waiting; a partial one waits for more data. */
    private static void onReadable(final Stream stream, final RequestHandler.Factory handlers)
    {
        Responder responder = (Responder)stream.attachment();
        if (responder == null)
        {
            responder = new Responder(handlers.newHandler());
            stream.attach(responder);
        }
        final StreamReader reader = stream.reader();
        try
        {
            while (reader.available() >= ShmFraming.HEADER_LENGTH)
            {
                final int length = ShmFraming.peekLength(stream);
                final int framed = ShmFraming.HEADER_LENGTH + length;
                if (reader.available() < framed)
                {
                    break;
                }
                responder.respond(stream, reader.view(framed), ShmFraming.HEADER_LENGTH, length);
                stream.writer().flush();
                reader.release(framed);
            }
            if (stream.isOpen())
            {
                return;
            }
        }
        catch (final ShmIpcException | RuntimeException e)
        {
            // The client went away or the handler rejected a payload; the client reports what it saw.
        }
        responder.handler.close();
        stream.close();
    }

    /** Writes the response to one request: in place when it fits a slice, through a scratch copy otherwise. */
    private static final class Responder
    {
        private final RequestHandler handler;
        private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(0);

        Responder(final RequestHandler handler)
        {
            this.handler = handler;
        }

        void respond(final Stream stream, final DirectBuffer request, final int requestOffset, final int length)
            throws ShmIpcException
        {
            final StreamWriter out = stream.writer();
            if (length <= out.maxReservation() - ShmFraming.HEADER_LENGTH)
            {
                final MutableDirectBuffer response = out.reserve(ShmFraming.HEADER_LENGTH + length);
                response.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                handler.onRequest(request, requestOffset, length, response, ShmFraming.HEADER_LENGTH);
            }
            else
            {
                scratch.checkLimit(length);
                handler.onRequest(request, requestOffset, length, scratch, 0);
                out.reserve(ShmFraming.HEADER_LENGTH).putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                out.write(scratch, 0, length);
            }
        }
    }

    @Override
    public String endpoint()
    {
        return server.path().toString();
    }

    @Override
    public void close()
    {
        server.close();
        try
        {
            Files.deleteIfExists(directory.resolve("shm.sock"));
            Files.deleteIfExists(directory);
        }
        catch (final IOException ignored)
        {
            // a temp directory left behind is harmless
        }
    }
}
