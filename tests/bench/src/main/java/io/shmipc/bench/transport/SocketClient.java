package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The client of a {@link SocketTransport}: one blocking connection per stream. Send and receive are synchronous, so
 * one send buffer and one receive buffer serve every stream.
 */
final class SocketClient implements BenchClient
{
    private final SocketChannel[] channels;
    private final ByteBuffer out;
    private final ByteBuffer in;
    private final UnsafeBuffer outView;
    private final UnsafeBuffer inView;
    private boolean closed;

    SocketClient(final SocketTransport transport, final TransportSettings settings, final String endpoint)
        throws IOException
    {
        channels = new SocketChannel[settings.streams()];
        try
        {
            for (int i = 0; i < channels.length; i++)
            {
                channels[i] = transport.openClientChannel(endpoint);
            }
        }
        catch (final IOException e)
        {
            close();
            throw new IOException(transport.name() + ": cannot connect to " + endpoint + ": " + e.getMessage(), e);
        }
        out = SocketFraming.allocate(settings.maxPayload());
        in = SocketFraming.allocate(settings.maxPayload());
        outView = new UnsafeBuffer(out);
        inView = new UnsafeBuffer(in);
    }

    @Override
    public void send(final int stream, final int length, final PayloadWriter writer) throws IOException
    {
        writer.write(outView, SocketFraming.HEADER_LENGTH, length);
        SocketFraming.writeFrame(channels[stream], out, length);
    }

    @Override
    public void receive(final int stream, final PayloadReader reader) throws IOException
    {
        final int length = SocketFraming.readFrame(channels[stream], in);
        if (length < 0)
        {
            throw new EOFException("server closed stream " + stream);
        }
        reader.read(inView, SocketFraming.HEADER_LENGTH, length);
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final SocketChannel channel : channels)
        {
            if (channel != null)
            {
                try
                {
                    channel.close();
                }
                catch (final IOException e)
                {
                    // best effort on shutdown
                }
            }
        }
    }
}
