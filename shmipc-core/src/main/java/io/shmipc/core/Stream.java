package io.shmipc.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A logical, bidirectional byte stream multiplexed on a {@link Session}. Data is written with {@link #writer()}
 * (zero-copy into shared memory, sent on {@code flush}) and read with {@link #reader()} (zero-copy views that stay
 * valid until released).
 *
 * <p>One writer thread and one reader thread at a time. When the peer closes the stream, buffered data can still be
 * read and then reads report the end; writes fail. {@link #close()} releases everything the stream holds and tells
 * the peer.
 *
 * <p>Between two shmipc-java peers either side may also end only its own direction with {@link #shutdownOutput()}:
 * the peer reads the end after the data, and may go on writing. Once both directions are shut the stream is done on
 * both sides and leaves its session; {@link #close()} then only drops data nobody read.
 */
public final class Stream implements AutoCloseable {
    static final int OPEN = 0;
    static final int REMOTE_CLOSED = 1;
    static final int CLOSED = 2;

    /** Bits of {@link #ends}: we shut our output; the peer shut its output; the session forgot the stream. */
    private static final int OUTPUT_SHUT = 1;
    private static final int PEER_OUTPUT_SHUT = 1 << 1;
    private static final int BOTH_SHUT = OUTPUT_SHUT | PEER_OUTPUT_SHUT;
    private static final int FORGOTTEN = 1 << 2;
    private static final VarHandle ENDS;

    static {
        try {
            ENDS = MethodHandles.lookup().findVarHandle(Stream.class, "ends", int.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Session session;
    private final int id;
    final Inbound inbound;
    private final StreamWriter writer;
    private final StreamReader reader;
    private volatile int state = OPEN;
    /** Half-close progress ({@link #OUTPUT_SHUT}, ...), set by the writer and the draining thread: compare-and-set. */
    private volatile int ends;
    private volatile Thread waiter;
    /** Set before the stream is published to anybody who could deliver to it. */
    private volatile StreamListener listener;
    private Object attachment;
    /** Once a message went inline on the control connection, later ones follow it there, to keep their order. */
    volatile boolean fallbackMode;
    private volatile long readTimeoutNanos;

    Stream(final Session session, final int id) {
        this.session = session;
        this.id = id;
        this.inbound = new Inbound(session.pool().region().addressOffset(), session::inlineConsumed);
        this.writer = new StreamWriter(this, session);
        this.reader = new StreamReader(this, session);
    }

    public int id() {
        return id;
    }

    public Session session() {
        return session;
    }

    /** True once this side closed the stream (the session has then forgotten it). */
    boolean isClosed() {
        return state == CLOSED;
    }

    /** True while both sides may still write. */
    public boolean isOpen() {
        return state == OPEN && ends == 0 && !session.isClosed();
    }

    /** True once {@link #shutdownOutput()} told the peer we send no more. */
    public boolean isOutputShutdown() {
        return (ends & OUTPUT_SHUT) != 0;
    }

    /**
     * True once the peer shut its output: the reader sees the end after the buffered data, while writes still go
     * through (unless this side shut its output too).
     */
    public boolean isPeerOutputShutdown() {
        return (ends & PEER_OUTPUT_SHUT) != 0;
    }

    /** True once the peer closed its side: the reader will see the end after the buffered data. */
    public boolean isRemoteClosed() {
        return state == REMOTE_CLOSED;
    }

    /**
     * Per-stream state of whoever serves the stream, e.g. a {@link StreamListener}'s partial message. Not
     * synchronized: meant for the one thread that serves the stream at a time.
     */
    public Object attachment() {
        return attachment;
    }

    /** Replaces the {@link #attachment()}. */
    public void attach(final Object state) {
        this.attachment = state;
    }

    public StreamWriter writer() {
        return writer;
    }

    public StreamReader reader() {
        return reader;
    }

    /** Default deadline for blocking reads; zero or negative means wait forever. */
    public void readTimeout(final Duration timeout) {
        this.readTimeoutNanos = timeout.isNegative() ? 0 : timeout.toNanos();
    }

    long readTimeoutNanos() {
        return readTimeoutNanos;
    }

    /** Writes {@code length} bytes and flushes them to the peer as one message. */
    public void write(final byte[] src, final int offset, final int length) throws ShmIpcException {
        writer.write(src, offset, length);
        writer.flush();
    }

    /** Reads at least one byte, blocking; returns -1 at the end of the stream. */
    public int read(final byte[] dst, final int offset, final int length) throws ShmIpcException {
        return reader.read(dst, offset, length);
    }

    /** Reads exactly {@code length} bytes, blocking. */
    public void readFully(final byte[] dst, final int offset, final int length) throws ShmIpcException {
        reader.readFully(dst, offset, length);
    }

    /**
     * Tells the peer that we send no more data on this stream, like {@link java.net.Socket#shutdownOutput()}: the
     * peer reads everything already flushed, then the end (read returns -1, await false), and can still write to
     * us; we can still read. Writes fail from now on with {@link StreamClosedException}. Once the peer shuts its
     * output too, the stream is finished on both sides and leaves the session (close() is still the way to drop
     * unread data). Idempotent.
     *
     * <p>Nothing is flushed implicitly: a message written and not yet flushed is an error here (flush or abort it
     * first), so that a half-written message never goes out by accident.
     *
     * @throws UnsupportedOperationException if the peer does not speak the half-close extension (a reference
     *         ShmIPC peer, which only closes whole streams) or it is turned off ({@link SessionConfig#halfClose()});
     *         nothing is sent then and the stream stays usable
     * @throws IllegalStateException if the writer holds unflushed bytes
     * @throws StreamClosedException if the stream was closed (by either side)
     */
    public void shutdownOutput() throws ShmIpcException {
        if (isOutputShutdown()) {
            return;
        }
        checkWritable();
        if (writer.pending() > 0) {
            throw new IllegalStateException("stream " + id + " has " + writer.pending() + " bytes written and not"
                + " flushed; flush() or abort() them before shutdownOutput()");
        }
        session.requireHalfClose(this);
        session.sendHalfClose(this);
        if ((addEnd(OUTPUT_SHUT) & PEER_OUTPUT_SHUT) != 0) {
            forget(false);
        }
    }

    /** Closes the stream: unread data is released, pending writes dropped, the peer told. Idempotent. */
    @Override
    public void close() {
        final int previous = state;
        if (previous == CLOSED) {
            return;
        }
        state = CLOSED;
        writer.abort();
        inbound.clear(reader::onConsumed);
        forget(previous == OPEN);
        signal();
    }

    /**
     * Takes the stream out of its session, once: the peer is told (StreamClose) only if the stream was open and not
     * already finished by a half-close in both directions, after which neither side sends anything on it.
     */
    private void forget(final boolean wasOpen) {
        final int before = addEnd(FORGOTTEN);
        if ((before & FORGOTTEN) == 0) {
            session.onStreamClosed(this, wasOpen && (before & BOTH_SHUT) != BOTH_SHUT);
        }
    }

    /** Sets {@code bit} in {@link #ends}; returns the value it had before. */
    private int addEnd(final int bit) {
        int before;
        do {
            before = ends;
        } while (!ENDS.compareAndSet(this, before, before | bit));
        return before;
    }

    /** Fails if the stream cannot be written to. */
    void checkWritable() throws ShmIpcException {
        session.checkOpen();
        final int current = state;
        if (current == CLOSED) {
            throw new StreamClosedException("stream " + id + " is closed");
        }
        if (current == REMOTE_CLOSED) {
            throw new StreamClosedException("stream " + id + " was closed by the peer");
        }
        if ((ends & OUTPUT_SHUT) != 0) {
            throw new StreamClosedException("stream " + id + ": output shut down");
        }
    }

    /**
     * The peer shut its output (on the draining thread). A second time is a protocol violation; after a full close
     * of either side it is ignored, since a close and a half-close sent at the same moment may cross.
     */
    void onPeerOutputShutdown() throws ProtocolViolationException {
        if (state != OPEN) {
            return;
        }
        final int before = addEnd(PEER_OUTPUT_SHUT);
        if ((before & PEER_OUTPUT_SHUT) != 0) {
            throw new ProtocolViolationException("peer shut its output on stream " + id + " twice");
        }
        if ((before & OUTPUT_SHUT) != 0) {
            forget(false);
        }
        onDelivery();
    }

    /** The peer closed its side. */
    void onRemoteClose() {
        if (state == OPEN) {
            state = REMOTE_CLOSED;
        }
        onDelivery();
    }

    /**
     * Reads this stream event-driven: {@code streamListener} runs on the thread that drains the session's queue
     * whenever data arrives, the peer closes or shuts its side, or the session ends (see {@link StreamListener} for
     * what it may do). Threads that wait on the stream's reader meanwhile still do; the listener also runs when such
     * a reader's own polling delivers data, on that reader's thread. Set it before the peer can send: on a stream a
     * client opened, before its first write.
     */
    public void listen(final StreamListener streamListener) {
        this.listener = streamListener;
    }

    StreamListener listener() {
        return listener;
    }

    /** Data arrived or the peer closed its side, on the draining thread: wake a parked reader, run the listener. */
    void onDelivery() {
        if (waiter != null) {
            // The woken reader may answer before this thread runs again (it can even take this CPU): the peer must
            // not find our queue fuller than it is meanwhile. A wake-up costs far more than this store.
            session.publishConsumedHeadWhileDraining();
        }
        if (signal()) {
            session.readerWoken();
        }
        final StreamListener streamListener = listener;
        if (streamListener != null) {
            session.runListener(streamListener, this);
        }
    }

    /** New data or a state change: wake a parked reader. True if there was one. */
    boolean signal() {
        final Thread parked = waiter;
        if (parked != null) {
            LockSupport.unpark(parked);
            return true;
        }
        return false;
    }

    /**
     * Waits until {@code bytes} are buffered. Returns false if the stream ended first (peer closed with fewer
     * buffered). Polls the session's queue itself for a bounded time before parking.
     */
    boolean awaitAvailable(final long bytes, final long timeoutNanos) throws ShmIpcException {
        if (inbound.available() >= bytes) {
            // The common case of a reader taking a message apart: no clock read, no spin bookkeeping.
            return true;
        }
        // The clock is read only once the wait lasts: a reply that comes within a few polls costs no clock read.
        // Before the first yield, so the timeout starts late by a few microseconds at most.
        long deadline = 0;
        final int spinBudget = session.spinBudget();
        int spun = 0;
        boolean spinning = false;
        try {
            while (true) {
                if (inbound.available() >= bytes) {
                    return true;
                }
                final int current = state;
                if (current == CLOSED) {
                    throw new StreamClosedException("stream " + id + " is closed");
                }
                if (current == REMOTE_CLOSED || (ends & PEER_OUTPUT_SHUT) != 0) {
                    return inbound.available() >= bytes;
                }
                session.checkOpen();
                if (session.isDrainingThread()) {
                    // Waiting here would wait for ourselves: the data can only arrive through this thread.
                    throw new IllegalStateException("stream " + id + ": a StreamListener must not wait for data ("
                        + bytes + " bytes wanted, " + inbound.available() + " buffered); read what is available");
                }
                if (deadline == 0 && timeoutNanos > 0 && (spun >= Session.SPINS_BEFORE_CLOCK || spun >= spinBudget)) {
                    deadline = System.nanoTime() + timeoutNanos;
                }
                if (spun < spinBudget) {
                    if (!spinning) {
                        session.enterSpin();
                        spinning = true;
                    }
                    if (session.poll() > 0) {
                        if (inbound.available() >= bytes) {
                            // Straight back to the caller: a pause here would delay every reply we poll ourselves.
                            return true;
                        }
                        // We delivered somebody else's data: let the woken reader run (on a small machine it
                        // would otherwise wait for our whole spin budget).
                        Thread.yield();
                    }
                    Session.spinPause(spun++);
                    continue;
                }
                if (spinning) {
                    session.exitSpin();
                    spinning = false;
                    continue;
                }
                long parkNanos = session.parkNanos();
                if (deadline != 0) {
                    final long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        throw new ShmTimeoutException("no data on stream " + id + " within "
                            + Duration.ofNanos(timeoutNanos).toMillis() + " ms (" + inbound.available() + " of "
                            + bytes + " bytes buffered)");
                    }
                    parkNanos = Math.min(parkNanos, remaining);
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new ShmIpcException("interrupted while waiting for data on stream " + id);
                }
                waiter = Thread.currentThread();
                if (inbound.available() < bytes && state == OPEN && (ends & PEER_OUTPUT_SHUT) == 0
                    && !session.isClosed()) {
                    LockSupport.parkNanos(this, parkNanos);
                }
                waiter = null;
            }
        } finally {
            if (spinning) {
                session.exitSpin();
            }
        }
    }

    @Override
    public String toString() {
        return "Stream{id=" + id + ", state=" + (state == OPEN ? "open" : state == REMOTE_CLOSED ? "remote-closed" : "closed")
            + (isOutputShutdown() ? ", output shut" : "") + (isPeerOutputShutdown() ? ", peer output shut" : "")
            + ", buffered=" + inbound.available() + " B in " + inbound.segments() + " segments"
            + (fallbackMode ? ", fallback" : "") + "}";
    }
}
