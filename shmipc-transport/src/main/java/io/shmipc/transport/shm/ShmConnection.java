package io.shmipc.transport.shm;

import io.shmipc.core.ReceivedBytes;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;
import io.shmipc.core.StreamReader;
import io.shmipc.core.StreamWriter;
import io.shmipc.transport.CallInfo;
import io.shmipc.transport.ConnectionClosedException;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.FrameWriter;
import io.shmipc.transport.remote.ScatterFrameWriter;
import io.shmipc.transport.remote.TransHandler;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * One RPC connection over shared memory: one ShmIPC {@link Stream} carrying TTHeader or framed-Thrift frames, as a TCP
 * connection carries them, with any number of calls in flight (correlated by seq id by the handler).
 * <p>
 * Writing: a frame that fits the session's largest slice is encoded straight into a reserved slice; a larger one is
 * written as a head encoded in place plus the body copied from the caller's buffer across as many slices as needed
 * (the {@link ScatterFrameWriter} path). Either way the body is copied once, into shared memory, and each frame is
 * one message on the stream. Writers on many threads take turns on a lock held for the encode and the flush.
 * <p>
 * Reading: one thread per connection cuts the byte stream into frames (length from the first eight bytes, checked
 * against the maximum frame size first) and takes each frame off the stream: in place when it lies in one slice,
 * copied to the heap when it spans slices. The frame keeps its slice until the handler releases it, so frames are
 * handled concurrently and released in any order while the thread reads on.
 */
final class ShmConnection implements Connection
{
    private static final System.Logger LOG = System.getLogger(ShmConnection.class.getName());

    private final Stream stream;
    private final String remoteAddress;
    private final CallInfo callInfo;
    private final TransHandler handler;
    private final int maxFrameSize;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    /**
     * @param stream        the stream; this connection owns it.
     * @param remoteAddress the socket path dialled (client) or the peer's pid and stream (server).
     * @param handler       receives the connection's events and frames.
     * @param maxFrameSize  largest frame accepted, length field included.
     */
    ShmConnection(final Stream stream, final String remoteAddress, final TransHandler handler, final int maxFrameSize)
    {
        this.stream = stream;
        this.remoteAddress = remoteAddress;
        this.callInfo = new CallInfo(TransportKind.SHM, remoteAddress, null);
        this.handler = handler;
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * @return the core stream underneath (for diagnostics: its session's metrics and dump).
     */
    Stream stream()
    {
        return stream;
    }

    @Override
    public TransportKind kind()
    {
        return TransportKind.SHM;
    }

    @Override
    public String remoteAddress()
    {
        return remoteAddress;
    }

    @Override
    public CallInfo callInfo()
    {
        return callInfo;
    }

    @Override
    public boolean isActive()
    {
        return !closed.get() && stream.isOpen();
    }

    @Override
    public CompletableFuture<Void> writeFrame(final int frameLength, final FrameWriter writer)
    {
        writeLock.lock();
        try
        {
            if (!isActive())
            {
                return CompletableFuture.failedFuture(closedException(null));
            }
            final StreamWriter out = stream.writer();
            try
            {
                encode(out, frameLength, writer);
                out.flush();
                return CompletableFuture.completedFuture(null);
            }
            catch (final ShmIpcException | RuntimeException ex)
            {
                out.abort();
                return CompletableFuture.failedFuture(writeFailure(ex));
            }
        }
        finally
        {
            writeLock.unlock();
        }
    }

    private static void encode(final StreamWriter out, final int frameLength, final FrameWriter writer)
        throws ShmIpcException
    {
        final int maxReservation = out.maxReservation();
        if (frameLength <= maxReservation)
        {
            writer.write(out.reserve(frameLength), 0);
        }
        else if (writer instanceof ScatterFrameWriter scatter && scatter.headLength() <= maxReservation)
        {
            final MutableDirectBuffer head = out.reserve(scatter.headLength());
            scatter.writeHead(head, 0);
            out.write(scatter.body(), scatter.bodyOffset(), scatter.bodyLength());
        }
        else
        {
            // A writer that needs more contiguous memory than a slice holds: encode on the heap, then copy across
            // slices. Not reached by the RPC handlers, whose writers are scatter writers.
            final UnsafeBuffer heap = new UnsafeBuffer(new byte[frameLength]);
            writer.write(heap, 0);
            out.write(heap, 0, frameLength);
        }
    }

    /**
     * Read frames until the stream ends or fails, handing each to the handler, then report the connection inactive.
     * Runs on the calling thread (a dedicated reader thread on a client, the core's stream handler thread on a server).
     */
    void readFrames()
    {
        final StreamReader in = stream.reader();
        try
        {
            while (in.await(FrameKind.DETECTION_LENGTH, 0))
            {
                final DirectBuffer head = in.view(FrameKind.DETECTION_LENGTH);
                final int frameLength = RpcFrameCodec.frameLength(
                    head.getInt(0, ByteOrder.BIG_ENDIAN), head.getInt(4, ByteOrder.BIG_ENDIAN), maxFrameSize);
                final ReceivedBytes bytes = in.take(frameLength);
                if (closed.get())
                {
                    bytes.release();
                    break;
                }
                handler.onRead(this, new ShmReceivedFrame(bytes));
            }
        }
        catch (final MalformedFrameException ex)
        {
            handler.onError(this, ex);
        }
        catch (final StreamClosedException | SessionClosedException ex)
        {
            LOG.log(DEBUG, "shm connection {0} ended: {1}", remoteAddress, ex.getMessage());
        }
        catch (final ShmIpcException | RuntimeException ex)
        {
            handler.onError(this, ex);
        }
        finally
        {
            close();
            handler.onInactive(this);
            closeFuture.complete(null);
        }
    }

    @Override
    public CompletableFuture<Void> closeFuture()
    {
        return closeFuture;
    }

    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        // The stream's writer allows one thread at a time: wait for a frame being written to finish.
        writeLock.lock();
        try
        {
            stream.close();
        }
        finally
        {
            writeLock.unlock();
        }
    }

    private RuntimeException writeFailure(final Exception ex)
    {
        if (ex instanceof ShmTimeoutException)
        {
            // The peer did not drain its queue in time; the connection itself may still recover.
            return new RpcException("writing a frame to shm://" + remoteAddress + " failed: " + ex.getMessage(), ex);
        }
        if (ex instanceof ShmIpcException)
        {
            return closedException(ex);
        }
        return (RuntimeException)ex;
    }

    private ConnectionClosedException closedException(final Throwable cause)
    {
        final ConnectionClosedException ex = new ConnectionClosedException("shm connection to " + remoteAddress +
            " is closed" + (cause != null ? ": " + cause.getMessage() : ""));
        if (cause != null)
        {
            ex.initCause(cause);
        }
        return ex;
    }

    @Override
    public String toString()
    {
        return "shm://" + remoteAddress + (isActive() ? "" : " (closed)");
    }
}
