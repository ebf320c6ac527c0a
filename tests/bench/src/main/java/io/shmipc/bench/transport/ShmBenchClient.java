package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamWriter;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Client side of the {@code shm} bench transport: one session, {@link TransportSettings#streams()} streams.
 */
final class ShmBenchClient implements BenchClient
{
    private final Session session;
    private final Stream[] streams;
    private final long timeoutNanos;
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(0);

    ShmBenchClient(final SessionConfig config, final TransportSettings settings, final String endpoint)
        throws ShmIpcException
    {
        this.session = Session.connect(Path.of(endpoint), config);
        this.timeoutNanos = settings.timeoutNanos();
        this.streams = new Stream[settings.streams()];
        try
        {
            for (int i = 0; i < streams.length; i++)
            {
                streams[i] = session.openStream();
                streams[i].readTimeout(ShmFraming.timeout(timeoutNanos));
            }
        }
        catch (final ShmIpcException e)
        {
            session.close();
            throw e;
        }
    }

    @Override
    public void send(final int stream, final int length, final PayloadWriter writer) throws ShmIpcException
    {
        final StreamWriter out = streams[stream].writer();
        if (ShmFraming.HEADER_LENGTH + length <= out.maxReservation())
        {
            final MutableDirectBuffer message = out.reserve(ShmFraming.HEADER_LENGTH + length);
            message.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            writer.write(message, ShmFraming.HEADER_LENGTH, length);
        }
        else
        {
            out.reserve(ShmFraming.HEADER_LENGTH).putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            scratch.checkLimit(length);
            writer.write(scratch, 0, length);
            out.write(scratch, 0, length);
        }
        out.flush();
    }

    @Override
    public void receive(final int stream, final PayloadReader reader) throws ShmIpcException
    {
        final Stream in = streams[stream];
        final int length = ShmFraming.awaitMessage(in, timeoutNanos);
        if (length < 0)
        {
            throw new ShmIpcException("the server closed stream " + in.id());
        }
        final DirectBuffer payload = ShmFraming.payload(in, length);
        reader.read(payload, 0, length);
        in.reader().release(length);
    }

    @Override
    public void close()
    {
        session.close();
    }
}
