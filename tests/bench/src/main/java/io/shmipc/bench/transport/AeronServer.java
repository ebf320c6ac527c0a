package io.shmipc.bench.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.PayloadWriter;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeoutException;

/**
 * Serves Aeron IPC requests on one thread: poll and reassemble a request, answer it through {@link AeronSender}
 * with the handler writing the response in place.
 */
final class AeronServer implements BenchServer, FragmentHandler, PayloadWriter
{
    private static final int FRAGMENT_LIMIT = 16;
    private static final long JOIN_MILLIS = 5_000;

    private final MediaDriver driver;
    private final Aeron aeron;
    private final Subscription requests;
    private final ExclusivePublication responses;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final AeronSender sender;
    private final RequestHandler handler;
    private final IdleStrategy idleStrategy;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean closed;

    private RuntimeException failure;
    private DirectBuffer request;
    private int requestOffset;

    AeronServer(
        final MediaDriver driver, final Aeron aeron, final TransportSettings settings, final RequestHandler handler)
    {
        this.driver = driver;
        this.aeron = aeron;
        this.handler = handler;
        this.requests = aeron.addSubscription(AeronTransport.IPC_CHANNEL, AeronTransport.REQUEST_STREAM_ID);
        this.responses = aeron.addExclusivePublication(
            AeronTransport.publicationChannel(settings.maxPayload()), AeronTransport.RESPONSE_STREAM_ID);
        this.idleStrategy = settings.waitMode().newIdleStrategy();
        this.sender = new AeronSender(responses, settings.maxPayload(), settings.waitMode().newIdleStrategy(),
            settings.timeoutNanos(), () -> 0, "aeron server");
        this.thread = new Thread(this::run, "aeron-server");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public String endpoint()
    {
        return driver.aeronDirectoryName();
    }

    private void run()
    {
        final IdleStrategy idle = idleStrategy;
        try
        {
            while (running)
            {
                idle.idle(requests.poll(assembler, FRAGMENT_LIMIT));
                if (failure != null)
                {
                    throw failure;
                }
            }
        }
        catch (final RuntimeException e)
        {
            if (running)
            {
                System.err.println("aeron server stopped: " + e.getMessage());
            }
        }
    }

    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int stream = buffer.getInt(offset);
        request = buffer;
        requestOffset = offset + RingFile.STREAM_HEADER_LENGTH;
        try
        {
            sender.send(stream, length - RingFile.STREAM_HEADER_LENGTH, this);
        }
        catch (final TimeoutException e)
        {
            failure = new IllegalStateException(e.getMessage() + " (client stopped reading?)", e);
        }
        catch (final RuntimeException e)
        {
            // Aeron hands handler exceptions to its error handler and polls on; stop the server instead.
            failure = e;
        }
        finally
        {
            request = null;
        }
    }

    @Override
    public void write(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        handler.onRequest(request, requestOffset, length, buffer, offset);
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
        CloseHelper.quietCloseAll(responses, requests, aeron, driver);
    }
}
