package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.TimeoutException;

/**
 * Serves one {@link RingFile} on one thread: read a request in place, claim the response in the response ring, let
 * the handler verify the request and write the response into the claim, commit.
 */
final class AgronaRingServer implements BenchServer, MessageHandler
{
    private static final int READ_LIMIT = 16;
    private static final long JOIN_MILLIS = 5_000;

    private final RingFile ring;
    private final OneToOneRingBuffer requests;
    private final OneToOneRingBuffer responses;
    private final RequestHandler handler;
    private final IdleStrategy idleStrategy;
    private final IdleStrategy claimIdleStrategy;
    private final Deadline claimDeadline;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean closed;

    private AgronaRingServer(final RingFile ring, final TransportSettings settings, final RequestHandler handler)
    {
        this.ring = ring;
        this.requests = ring.requests();
        this.responses = ring.responses();
        this.handler = handler;
        this.idleStrategy = settings.waitMode().newIdleStrategy();
        this.claimIdleStrategy = settings.waitMode().newIdleStrategy();
        this.claimDeadline = new Deadline(settings.timeoutNanos());
        this.thread = new Thread(this::run, "agrona-ring-server");
        this.thread.setDaemon(true);
    }

    static AgronaRingServer start(final RingFile ring, final TransportSettings settings, final RequestHandler handler)
    {
        final AgronaRingServer server = new AgronaRingServer(ring, settings, handler);
        server.thread.start();
        return server;
    }

    @Override
    public String endpoint()
    {
        return ring.path().toString();
    }

    private void run()
    {
        final IdleStrategy idle = idleStrategy;
        try
        {
            while (running)
            {
                idle.idle(requests.read(this, READ_LIMIT));
            }
        }
        catch (final RuntimeException e)
        {
            if (running)
            {
                System.err.println("agrona-ring server stopped: " + e.getMessage());
            }
        }
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final int stream = buffer.getInt(index);
        final int claim = claimResponse(length);
        final AtomicBuffer out = responses.buffer();
        out.putInt(claim, stream);
        try
        {
            handler.onRequest(buffer, index + RingFile.STREAM_HEADER_LENGTH, length - RingFile.STREAM_HEADER_LENGTH,
                out, claim + RingFile.STREAM_HEADER_LENGTH);
        }
        catch (final RuntimeException e)
        {
            responses.abort(claim);
            throw e;
        }
        responses.commit(claim);
    }

    private int claimResponse(final int length)
    {
        claimDeadline.start();
        claimIdleStrategy.reset();
        while (running)
        {
            final int claim = responses.tryClaim(RingFile.MESSAGE_TYPE, length);
            if (claim != RingBuffer.INSUFFICIENT_CAPACITY)
            {
                return claim;
            }
            claimIdleStrategy.idle();
            try
            {
                claimDeadline.check("agrona-ring server waiting for response ring space");
            }
            catch (final TimeoutException e)
            {
                throw new IllegalStateException(e.getMessage() + " (client stopped reading?)", e);
            }
        }
        throw new IllegalStateException("agrona-ring server closed while waiting for response ring space");
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        running = false;
        try
        {
            thread.join(JOIN_MILLIS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        handler.close();
        try
        {
            Files.deleteIfExists(ring.path());
        }
        catch (final IOException e)
        {
            System.err.println("agrona-ring server: cannot remove " + ring.path() + ": " + e.getMessage());
        }
    }
}
