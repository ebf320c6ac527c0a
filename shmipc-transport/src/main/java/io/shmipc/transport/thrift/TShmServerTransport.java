package io.shmipc.transport.thrift;

import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.transport.EnvironmentSuite;
import io.shmipc.transport.config.ShmSettings;
import org.apache.thrift.transport.TServerTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An Apache Thrift server transport over ShmIPC: the shared-memory counterpart of {@code TServerSocket}, for
 * {@code TSimpleServer}, {@code TThreadPoolServer} and the like. It listens on a control socket; every stream a
 * client opens (one per {@link TShmTransport}) is one accepted transport. Framing is whatever the server's transport
 * factory adds, raw Thrift binary by default (see {@link TShmTransport}).
 */
public final class TShmServerTransport extends TServerTransport
{
    /** Put in the queue by {@link #close()} to wake {@link #accept()}. */
    private static final Object CLOSED = new Object();

    private final Path socketPath;
    private final SessionConfig config;
    private final LinkedBlockingQueue<Object> accepted = new LinkedBlockingQueue<>();
    private volatile ShmServer server;
    private volatile boolean closed;

    /**
     * Listens on {@code socketPath} with the {@code SHMIPC_*} settings of this process.
     */
    public TShmServerTransport(final Path socketPath)
    {
        this(socketPath, EnvironmentSuite.fromSystem().resolve(ShmSettings.builder()).sessionConfig().build());
    }

    /**
     * Listens on {@code socketPath} with {@code config} for the sessions it accepts (peer uids, limits).
     */
    public TShmServerTransport(final Path socketPath, final SessionConfig config)
    {
        this.socketPath = Objects.requireNonNull(socketPath, "socketPath");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Start listening; a no-op when already listening (Thrift servers call it from {@code serve()}, and callers may
     * call it first to know the socket exists, as with {@code TServerSocket}, which binds when it is made).
     */
    @Override
    public synchronized void listen() throws TTransportException
    {
        if (closed)
        {
            throw new TTransportException(TTransportException.NOT_OPEN, "shm server transport on " + socketPath +
                " is closed");
        }
        if (server != null)
        {
            return;
        }
        try
        {
            server = ShmServer.start(socketPath, config, this::onStream);
        }
        catch (final ShmIpcException ex)
        {
            throw new TTransportException(TTransportException.NOT_OPEN, "cannot listen on shm control socket " +
                socketPath + ": " + ex.getMessage(), ex);
        }
    }

    private void onStream(final Stream stream)
    {
        if (closed)
        {
            stream.close();
            return;
        }
        accepted.add(stream);
    }

    @Override
    public TTransport accept() throws TTransportException
    {
        if (server == null)
        {
            throw new TTransportException(TTransportException.NOT_OPEN, "shm server transport is not listening");
        }
        final Object next;
        try
        {
            next = accepted.take();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TTransportException(TTransportException.UNKNOWN, "interrupted while accepting on " +
                socketPath);
        }
        if (next == CLOSED)
        {
            accepted.add(CLOSED);
            throw new TTransportException(TTransportException.NOT_OPEN, "shm server transport on " + socketPath +
                " is closed");
        }
        return new TShmTransport((Stream)next);
    }

    /**
     * Stop listening, close every session (and so every accepted transport) and wake {@link #accept()}. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (server != null)
        {
            server.close();
        }
        Object pending;
        while ((pending = accepted.poll()) != null)
        {
            ((Stream)pending).close();
        }
        accepted.add(CLOSED);
    }

    /**
     * What Thrift servers call from {@code stop()}: the same as {@link #close()}.
     */
    @Override
    public void interrupt()
    {
        close();
    }

    @Override
    public String toString()
    {
        return "TShmServerTransport(" + socketPath + ")";
    }
}
