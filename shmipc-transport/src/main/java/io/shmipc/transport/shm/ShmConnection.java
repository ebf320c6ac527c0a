package io.shmipc.transport.shm;

import io.shmipc.core.ReceivedBytes;
import io.shmipc.core.Session;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;
import io.shmipc.core.StreamReader;
import io.shmipc.core.StreamWriter;
import io.shmipc.transport.CallInfo;
import io.shmipc.transport.ConnectionClosedException;
import io.shmipc.transport.FrameTimeoutException;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.codec.FrameKind;
import io.shmipc.transport.codec.MalformedFrameException;
import io.shmipc.transport.codec.RepeatedHeadDecoder;
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
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

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
 * Reading: one thread at a time cuts the byte stream into frames (length from the first eight bytes, checked against
 * the maximum frame size first) and takes each frame off the stream: in place when it lies in one slice, copied to
 * the heap when it spans slices. The frame keeps its slice until the handler releases it, so frames are handled
 * concurrently and released in any order while reading goes on. On a server the threads of a pool take turns: the
 * one that read a frame passes reading on and serves that call itself. On a client it is whoever is there: a
 * blocking caller reads until its own reply is there (handling any other frames that come first), so a blocking call
 * costs no thread hand-off; otherwise the session's draining thread hands every whole frame to the handler as it
 * arrives ({@link #readAvailable()}, the stream's listener), which completes asynchronous calls with no reader thread.
 */
final class ShmConnection implements Connection
{
    private static final System.Logger LOG = System.getLogger(ShmConnection.class.getName());
    /** What a write that went through returns: shared, so a call allocates no future for its write. */
    private static final CompletableFuture<Void> WRITTEN = CompletableFuture.completedFuture(null);
    /** How long a reading caller waits for a frame before it looks at its interrupt flag again. */
    private static final long CALLER_READ_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Stream stream;
    private final String remoteAddress;
    private final CallInfo callInfo;
    private final TransHandler handler;
    private final int maxFrameSize;
    private final long frameReadTimeoutNanos;
    private final Executor followers;
    private final boolean client;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Held by the one thread reading the stream: a waiting caller, the draining thread, or the server's. */
    private final ReentrantLock readLock = new ReentrantLock();
    /**
     * A client's stream has data (or ended) that the thread holding the read lock may not see: whoever releases the
     * lock looks again. Set before trying the lock, cleared by whoever got it, so no arrival goes unread.
     */
    private volatile boolean readWanted;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RepeatedHeadDecoder decoder = new RepeatedHeadDecoder();
    private final AtomicBoolean terminated = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    /** Event-driven serving: {@link System#nanoTime()} when the frame now buffered in part began to arrive, or 0. */
    private volatile long partialFrameSinceNanos;

    /**
     * A client's connection: replies are read by waiting callers, or as they arrive by the session's draining thread
     * (the stream's listener, set here, before anything is sent).
     *
     * @param stream                the stream, just opened; this connection owns it.
     * @param remoteAddress         the socket path dialled.
     * @param handler               receives the connection's events and frames.
     * @param maxFrameSize          largest frame accepted, length field included.
     * @param frameReadTimeoutNanos how long a frame may take once its first bytes arrived.
     */
    static ShmConnection client(final Stream stream, final String remoteAddress, final TransHandler handler,
        final int maxFrameSize, final long frameReadTimeoutNanos)
    {
        final ShmConnection connection =
            new ShmConnection(stream, remoteAddress, handler, maxFrameSize, frameReadTimeoutNanos, null, true);
        stream.listen(ignored -> connection.readAvailable());
        return connection;
    }

    /**
     * A server's connection.
     *
     * @param remoteAddress the peer's pid and stream.
     * @param followers     the threads that take turns reading ({@link #leadServing()}), or {@code null} when the
     *                      session's draining thread serves ({@link #serveAvailable()}).
     */
    ShmConnection(final Stream stream, final String remoteAddress, final TransHandler handler, final int maxFrameSize,
        final long frameReadTimeoutNanos, final Executor followers)
    {
        this(stream, remoteAddress, handler, maxFrameSize, frameReadTimeoutNanos, followers, false);
    }

    private ShmConnection(final Stream stream, final String remoteAddress, final TransHandler handler,
        final int maxFrameSize, final long frameReadTimeoutNanos, final Executor followers, final boolean client)
    {
        this.client = client;
        this.stream = stream;
        this.remoteAddress = remoteAddress;
        this.callInfo = new CallInfo(TransportKind.SHM, remoteAddress, null);
        this.handler = handler;
        this.maxFrameSize = maxFrameSize;
        this.frameReadTimeoutNanos = frameReadTimeoutNanos;
        this.followers = followers;
    }

    /**
     * @return the session the stream belongs to.
     */
    Session session()
    {
        return stream.session();
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
                return WRITTEN;
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
     * The caller's thread reads (and handles every frame that comes, its reply among them) until its call is done:
     * no hand-off from a reader thread, which on a busy machine costs more than the whole exchange.
     */
    @Override
    public boolean readUntil(final BooleanSupplier done, final long deadlineNanos, final long timeoutNanos)
    {
        if (!readLock.tryLock())
        {
            return false;
        }
        try
        {
            boolean first = true;
            while (!done.getAsBoolean() && !terminated.get() && !Thread.currentThread().isInterrupted())
            {
                // The first wait, usually the only one, is bounded without reading the clock.
                final long left = first ? timeoutNanos : deadlineNanos - System.nanoTime();
                first = false;
                // Waits in slices, to notice an interrupt (the caller then waits for its call, which reacts to it).
                if (left <= 0 || !readSlice(Math.min(left, CALLER_READ_SLICE_NANOS)))
                {
                    break;
                }
            }
        }
        finally
        {
            readLock.unlock();
        }
        if (readWanted || stream.reader().available() > 0)
        {
            // Frames for other calls arrived while this caller held the stream (its own polling may have brought
            // them in with its reply): nobody else has read them.
            readAvailable();
        }
        return true;
    }

    /**
     * A client's event-driven reading (the stream's listener, run by the session's draining thread, or by a thread
     * whose own polling delivered the data): hands every whole frame buffered to the handler, which completes the
     * calls they answer, and ends the connection once the stream ended. A caller reading its own reply meanwhile
     * keeps the stream: it reads these frames itself, or looks again when it lets go ({@link #readUntil}).
     */
    void readAvailable()
    {
        if (readLock.isHeldByCurrentThread())
        {
            // This caller's own polling delivered the data, inside its read: it reads on, and looks at what is left
            // when it lets go of the stream.
            return;
        }
        readWanted = true;
        while (readWanted && readLock.tryLock())
        {
            try
            {
                readWanted = false;
                serveAvailable();
            }
            finally
            {
                readLock.unlock();
            }
        }
    }

    @Override
    public RepeatedHeadDecoder frameDecoder()
    {
        return decoder;
    }

    @Override
    public boolean isReadBy(final Thread thread)
    {
        return client && stream.session().isDrainedBy(thread);
    }

    @Override
    public boolean servesOnReadingThread()
    {
        return followers != null;
    }

    /**
     * A server's reading, leader/follower style: read one frame, pass reading on to another thread of the followers'
     * pool, then serve the frame right here ({@link #servesOnReadingThread()}). The call is served by the thread that
     * spotted it, with no hand-off on its way, while calls on the same connection still run concurrently.
     */
    void leadServing()
    {
        final ReceivedBytes frame;
        try
        {
            frame = takeFrame(0);
        }
        catch (final ShmTimeoutException ex)
        {
            terminate(ex);
            return;
        }
        if (frame == null)
        {
            return;
        }
        try
        {
            followers.execute(this::leadServing);
        }
        catch (final RejectedExecutionException ex)
        {
            frame.release();
            terminate(ex);
            return;
        }
        deliver(frame);
    }

    /**
     * Event-driven reading: a server's when the handler never blocks (called by the session's draining thread, a
     * {@link io.shmipc.core.StreamListener}), a client's under the read lock ({@link #readAvailable()}). Whenever data
     * arrived or the stream ended, it hands every whole frame buffered to the handler right here and keeps a partial
     * one for the next call; no thread per connection, no hand-off, no wait. Once the stream ended and no whole frame
     * is left, the connection ends.
     */
    void serveAvailable()
    {
        final StreamReader in = stream.reader();
        try
        {
            while (!terminated.get())
            {
                final long available = in.available();
                final int frameLength = available >= FrameKind.DETECTION_LENGTH ? frameLength(in) : -1;
                if (frameLength < 0 || available < frameLength)
                {
                    if (!stream.isOpen())
                    {
                        terminate(null);
                    }
                    else if (available == 0)
                    {
                        noPartialFrame();
                    }
                    else if (partialFrameSinceNanos == 0)
                    {
                        partialFrameSinceNanos = System.nanoTime();
                    }
                    return;
                }
                noPartialFrame();
                final ReceivedBytes frame = in.take(frameLength);
                if (closed.get())
                {
                    frame.release();
                    terminate(null);
                    return;
                }
                if (!deliver(frame))
                {
                    return;
                }
            }
        }
        catch (final StreamClosedException | SessionClosedException ex)
        {
            LOG.log(DEBUG, "shm connection {0} ended: {1}", remoteAddress, ex.getMessage());
            terminate(null);
        }
        catch (final ShmIpcException | RuntimeException ex)
        {
            handler.onError(this, ex);
            terminate(ex);
        }
    }

    /**
     * For event-driven serving, which has no waiting thread to time a frame: ends the connection if a frame has been
     * incomplete for longer than the frame read timeout.
     *
     * @return {@code true} if it did.
     */
    boolean closeIfStalled(final long nowNanos)
    {
        final long since = partialFrameSinceNanos;
        if (since == 0 || nowNanos - since < frameReadTimeoutNanos || terminated.get())
        {
            return false;
        }
        if (client)
        {
            // A client's frames may be read by callers as well: only while none is (one will look again otherwise).
            if (!readLock.tryLock())
            {
                return false;
            }
            try
            {
                return closeStalled(nowNanos, since);
            }
            finally
            {
                readLock.unlock();
            }
        }
        return closeStalled(nowNanos, since);
    }

    private boolean closeStalled(final long nowNanos, final long since)
    {
        if (partialFrameSinceNanos != since || terminated.get())
        {
            return false;
        }
        final FrameTimeoutException ex = new FrameTimeoutException("a frame from shm://" + remoteAddress +
            " is still incomplete after " + TimeUnit.NANOSECONDS.toMillis(nowNanos - since) +
            " ms (the frame read timeout): " + stream.reader().available() + " bytes of it arrived");
        handler.onError(this, ex);
        terminate(ex);
        return true;
    }

    /** No frame is under way: a store (a full fence, being volatile) only when one was, as is seldom the case. */
    private void noPartialFrame()
    {
        if (partialFrameSinceNanos != 0)
        {
            partialFrameSinceNanos = 0;
        }
    }

    private int frameLength(final StreamReader in) throws ShmIpcException
    {
        final DirectBuffer head = in.view(FrameKind.DETECTION_LENGTH);
        return RpcFrameCodec.frameLength(head.getInt(0, ByteOrder.BIG_ENDIAN), head.getInt(4, ByteOrder.BIG_ENDIAN),
            maxFrameSize);
    }

    /**
     * A reading caller's wait of one slice: a frame read and handed on, or none within the slice (a slow reply: the
     * caller looks at its call and its interrupt flag, then reads on).
     *
     * @return {@code false} once the connection is over.
     */
    private boolean readSlice(final long sliceNanos)
    {
        try
        {
            return readFrame(sliceNanos);
        }
        catch (final ShmTimeoutException ex)
        {
            return true;
        }
    }

    /**
     * Read one frame and hand it to the handler; the caller holds the read lock.
     *
     * @param timeoutNanos how long to wait for the frame to begin; zero or less waits as long as it takes.
     * @return {@code false} once the connection is over (it has then been reported inactive).
     * @throws ShmTimeoutException when no frame began within the timeout.
     */
    private boolean readFrame(final long timeoutNanos) throws ShmTimeoutException
    {
        final ReceivedBytes frame = takeFrame(timeoutNanos);
        return frame != null && deliver(frame);
    }

    /**
     * Take the next whole frame off the stream; only one thread at a time does.
     *
     * @return the frame, or {@code null} once the connection is over (it has then been reported inactive).
     * @throws ShmTimeoutException when no frame began within the timeout.
     */
    private ReceivedBytes takeFrame(final long timeoutNanos) throws ShmTimeoutException
    {
        final StreamReader in = stream.reader();
        try
        {
            // Idle until a frame begins (as long as the caller likes), then the frame read timeout bounds the rest.
            if (!in.await(1, timeoutNanos) || !awaitRestOfFrame(in, FrameKind.DETECTION_LENGTH))
            {
                terminate(null);
                return null;
            }
            final int frameLength = frameLength(in);
            if (!awaitRestOfFrame(in, frameLength))
            {
                terminate(null);
                return null;
            }
            final ReceivedBytes bytes = in.take(frameLength);
            // Whatever part of it event-driven reading had seen is taken now.
            noPartialFrame();
            if (closed.get())
            {
                bytes.release();
                terminate(null);
                return null;
            }
            return bytes;
        }
        catch (final ShmTimeoutException ex)
        {
            throw ex;
        }
        catch (final MalformedFrameException | FrameTimeoutException ex)
        {
            handler.onError(this, ex);
            terminate(ex);
        }
        catch (final StreamClosedException | SessionClosedException ex)
        {
            LOG.log(DEBUG, "shm connection {0} ended: {1}", remoteAddress, ex.getMessage());
            terminate(null);
        }
        catch (final ShmIpcException | RuntimeException ex)
        {
            handler.onError(this, ex);
            terminate(ex);
        }
        return null;
    }

    /**
     * Wait for the rest of a frame that has begun, within the frame read timeout: a peer that stalls mid-frame must
     * not hold the connection forever.
     *
     * @param frameBytes bytes the frame (or its detection prefix) needs.
     * @return {@code false} when the stream ended first.
     * @throws FrameTimeoutException when the bytes did not arrive in time.
     */
    private boolean awaitRestOfFrame(final StreamReader in, final int frameBytes)
        throws ShmIpcException
    {
        if (in.available() >= frameBytes)
        {
            return true;
        }
        try
        {
            return in.await(frameBytes, frameReadTimeoutNanos);
        }
        catch (final ShmTimeoutException ex)
        {
            throw new FrameTimeoutException("a frame from shm://" + remoteAddress + " is still incomplete after " +
                TimeUnit.NANOSECONDS.toMillis(frameReadTimeoutNanos) + " ms (the frame read timeout): " +
                in.available() + " of " + frameBytes + " bytes arrived");
        }
    }

    /**
     * @return {@code false} when handling the frame ended the connection.
     */
    private boolean deliver(final ReceivedBytes frame)
    {
        try
        {
            handler.onRead(this, new ShmReceivedFrame(frame));
        }
        catch (final RuntimeException ex)
        {
            handler.onError(this, ex);
            terminate(ex);
        }
        return !terminated.get();
    }

    /**
     * The connection is over: close it, report it inactive and complete the close future, once.
     */
    private void terminate(final Throwable cause)
    {
        if (!terminated.compareAndSet(false, true))
        {
            return;
        }
        if (cause != null)
        {
            LOG.log(DEBUG, "shm connection {0} ends: {1}", remoteAddress, cause.toString());
        }
        close();
        handler.onInactive(this);
        closeFuture.complete(null);
    }

    @Override
    public CompletableFuture<Void> closeFuture()
    {
        return closeFuture;
    }

    /**
     * Close the stream; a thread reading it ends the connection (reports it inactive), or, on a client when none is,
     * this thread does, and so does it for event-driven serving, whose reading happens only when the session
     * delivers something.
     */
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
        if (client)
        {
            // Ends the connection now unless a reader holds the stream (it then does).
            readAvailable();
        }
        else if (followers == null)
        {
            // Nothing reads an event-driven server's stream until the session delivers: a local close would go
            // unnoticed, the connection never reported inactive.
            terminate(null);
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
