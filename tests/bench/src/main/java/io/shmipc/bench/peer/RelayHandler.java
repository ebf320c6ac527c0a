package io.shmipc.bench.peer;

import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The middle service of the chain: forwards each request's bytes to the downstream service through the same
 * transport and answers with the downstream response's bytes. Verification happens at the ends: the downstream
 * server checks the request, the client checks the response. Connects lazily, one downstream client per handler.
 */
final class RelayHandler implements RequestHandler, PayloadWriter, PayloadReader
{
    private final BenchTransport transport;
    private final TransportSettings settings;
    private final String downstreamEndpoint;
    private BenchClient downstream;

    private DirectBuffer request;
    private int requestOffset;
    private MutableDirectBuffer response;
    private int responseOffset;
    private int expectedLength;

    RelayHandler(final BenchTransport transport, final TransportSettings settings, final String downstreamEndpoint)
    {
        this.transport = transport;
        this.settings = settings;
        this.downstreamEndpoint = downstreamEndpoint;
    }

    @Override
    public void onRequest(
        final DirectBuffer request,
        final int requestOffset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        this.request = request;
        this.requestOffset = requestOffset;
        this.response = response;
        this.responseOffset = responseOffset;
        this.expectedLength = length;
        try
        {
            if (downstream == null)
            {
                downstream = transport.connect(settings, downstreamEndpoint);
            }
            downstream.send(0, length, this);
            downstream.receive(0, this);
        }
        catch (final RuntimeException e)
        {
            throw e;
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(transport.name() + " relay: downstream call failed: " + e.getMessage(), e);
        }
        finally
        {
            this.request = null;
            this.response = null;
        }
    }

    @Override
    public void write(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putBytes(offset, request, requestOffset, length);
    }

    @Override
    public void read(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length != expectedLength)
        {
            throw new IllegalStateException(transport.name() + " relay: downstream answered " + length +
                " bytes to a " + expectedLength + "-byte request");
        }
        response.putBytes(responseOffset, buffer, offset, length);
    }

    @Override
    public void close()
    {
        if (downstream != null)
        {
            downstream.close();
            downstream = null;
        }
    }
}
