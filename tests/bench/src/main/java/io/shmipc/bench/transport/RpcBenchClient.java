package io.shmipc.bench.transport;

import io.shmipc.bench.PayloadMismatchException;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.PayloadReader;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.TransportSettings;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.Request;
import io.shmipc.transport.Response;
import io.shmipc.transport.ResponseDecoder;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.codec.IntInfoKey;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Client side of the RPC bench transports: one {@link RpcClient} with one connection and one outstanding call per
 * stream (the client spreads calls over its connections itself).
 * <p>
 * With one stream (pingpong, chain) the call is the blocking {@link RpcClient#call(Request, ResponseDecoder)}, made
 * in {@link #receive}, whose decoder verifies the reply in place: the path an application waiting for its answer
 * takes. With several streams (throughput) {@link #send} makes an asynchronous call per stream and its decoder copies
 * the reply into the stream's slot, which {@link #receive} verifies once the call has completed. Requests and their
 * payload buffers are reused per stream, so the bench itself allocates nothing per call.
 */
final class RpcBenchClient implements BenchClient
{
    private final RpcClient client;
    private final TransportKind expectedKind;
    private final long timeoutNanos;
    private final boolean blocking;
    private final Stream[] streams;
    private boolean closed;

    RpcBenchClient(final RpcTransport transport, final TransportSettings settings, final String endpoint)
    {
        final int separator = endpoint.indexOf(RpcTransport.ENDPOINT_SEPARATOR);
        final ClientOptions.Builder options = ClientOptions.builder()
            .target(separator < 0 ? endpoint : endpoint.substring(0, separator))
            .maxFrameSize(RpcTransport.maxFrameSize(settings))
            // Mapping a large region on a busy machine can take longer than the default second, and a slow connect
            // must not quietly turn the run into a TCP measurement.
            .connectTimeout(Duration.ofNanos(settings.timeoutNanos()))
            // One connection (shm stream or TCP socket) per bench stream, as uds and tcp have.
            .connectionsPerAddress(settings.streams())
            .callTimeout(Duration.ofNanos(settings.timeoutNanos()));
        if (transport.usesShm())
        {
            if (separator < 0)
            {
                throw new IllegalArgumentException(transport.name() + " endpoint '" + endpoint +
                    "' names no shared-memory socket");
            }
            RpcTransport.configure(options.shm().enabled(true).path(endpoint.substring(separator + 1)), settings);
        }
        this.client = RpcClient.create(options.build());
        this.expectedKind = transport.usesShm() ? TransportKind.SHM : TransportKind.TCP;
        this.timeoutNanos = settings.timeoutNanos();
        this.blocking = settings.streams() == 1;
        this.streams = new Stream[settings.streams()];
        for (int i = 0; i < streams.length; i++)
        {
            streams[i] = new Stream();
        }
    }

    @Override
    public void send(final int stream, final int length, final PayloadWriter writer)
    {
        final Stream s = streams[stream];
        s.prepare(length, writer);
        if (!blocking)
        {
            s.pending = client.callAsync(s.request, s.copier);
        }
    }

    @Override
    public void receive(final int stream, final PayloadReader reader)
        throws InterruptedException, ExecutionException, TimeoutException
    {
        final Stream s = streams[stream];
        if (s.request == null)
        {
            throw new IllegalStateException("no call outstanding on stream " + stream);
        }
        if (blocking)
        {
            s.reader = reader;
            try
            {
                client.call(s.request, s.verifier);
            }
            catch (final RpcException e)
            {
                // The verifier ran inside the call: a mismatch it found is the bench's verdict, not a transport error.
                if (e.getCause() instanceof PayloadMismatchException mismatch)
                {
                    throw mismatch;
                }
                throw e;
            }
            finally
            {
                s.reader = null;
            }
            return;
        }
        final CompletableFuture<Integer> pending = s.pending;
        s.pending = null;
        final int length;
        try
        {
            length = pending.get(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof RuntimeException failure)
            {
                throw failure;
            }
            throw e;
        }
        reader.read(s.slot, 0, length);
    }

    private void checkPath(final Response response)
    {
        final TransportKind kind = response.callInfo().transport();
        if (kind != expectedKind)
        {
            throw new RpcException("the reply came over " + kind + ", not " + expectedKind + " (" +
                client.metrics().fallbacks() + " fallback(s) to TCP; the client's log says why): the bench would " +
                "measure the wrong transport");
        }
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        client.close();
    }

    /**
     * One stream's reusable request, and where its reply goes.
     */
    private final class Stream
    {
        private final UnsafeBuffer payload = new UnsafeBuffer(new byte[0]);
        private byte[] payloadBytes = new byte[0];
        private final UnsafeBuffer slot = new UnsafeBuffer(new byte[0]);
        private byte[] slotBytes = new byte[0];
        private Request request;
        private PayloadReader reader;
        private CompletableFuture<Integer> pending;
        /** Verifies the reply in place, for a blocking call. */
        private final ResponseDecoder<Void> verifier = response ->
        {
            checkPath(response);
            final DirectBuffer body = response.payload();
            reader.read(body, 0, body.capacity());
            return null;
        };
        /** Copies the reply into the slot, for an asynchronous call (verified by the caller's thread). */
        private final ResponseDecoder<Integer> copier = response ->
        {
            checkPath(response);
            final DirectBuffer body = response.payload();
            final int length = body.capacity();
            if (slotBytes.length < length)
            {
                slotBytes = new byte[length];
                slot.wrap(slotBytes);
            }
            body.getBytes(0, slotBytes, 0, length);
            return length;
        };

        void prepare(final int length, final PayloadWriter writer)
        {
            if (request == null || payload.capacity() != length)
            {
                if (payloadBytes.length < length)
                {
                    payloadBytes = new byte[length];
                }
                payload.wrap(payloadBytes, 0, length);
                request = Request.builder(RpcTransport.METHOD).payload(payload)
                    .intInfo(IntInfoKey.TO_SERVICE, RpcTransport.SERVICE).build();
            }
            writer.write(payload, 0, length);
        }
    }
}
