package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamWriter;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Server side of the {@code shm} bench transport: a core {@link ShmServer}; each stream gets its own handler and
 * answers every message with one of the same length, written in place into shared memory when it fits a slice.
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
        final ShmServer server = ShmServer.start(directory.resolve("shm.sock"), config,
            stream -> serve(stream, handlers.newHandler()));
        return new ShmBenchServer(directory, server);
    }

    private static void serve(final Stream stream, final RequestHandler handler)
    {
        final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(0);
        try (handler)
        {
            final int maxInPlace = stream.writer().maxReservation() - ShmFraming.HEADER_LENGTH;
            int length;
            while ((length = ShmFraming.awaitMessage(stream, 0)) >= 0)
            {
                final DirectBuffer request = ShmFraming.payload(stream, length);
                final StreamWriter out = stream.writer();
                if (length <= maxInPlace)
                {
                    final MutableDirectBuffer response = out.reserve(ShmFraming.HEADER_LENGTH + length);
                    response.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                    handler.onRequest(request, 0, length, response, ShmFraming.HEADER_LENGTH);
                }
                else
                {
                    scratch.checkLimit(length);
                    handler.onRequest(request, 0, length, scratch, 0);
                    out.reserve(ShmFraming.HEADER_LENGTH).putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                    out.write(scratch, 0, length);
                }
                stream.reader().release(length);
                out.flush();
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
