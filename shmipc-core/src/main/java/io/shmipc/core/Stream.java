package io.shmipc.core;

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
 */
public final class Stream implements AutoCloseable {
    static final int OPEN = 0;
    static final int REMOTE_CLOSED = 1;
    static final int CLOSED = 2;

    private final Session session;
    private final int id;
    final Inbound inbound;
    private final StreamWriter writer;
    private final StreamReader reader;
    private volatile int state = OPEN;
    private volatile Thread waiter;
    /** Set before the stream is published to anybody who could deliver to it. */
    private StreamListener listener;
    private Object attachment;
    /** Once a message went inline on the control connection, later ones follow it there, to keep their order. */
    volatile boolean fallbackMode;
    private volatile long readTimeoutNanos;

    Stream(final Session session, final int id) {
        this.session = session;
        this.id = id;
        this.inbound = new Inbound(session::inlineConsumed);
        this.writer = new StreamWriter(this, session);
        this.reader = new StreamReader(this, session);
    }

    public int id() {
        return id;
    }

    public Session session() {
        return session;
    }

    /** True while both sides may still write. */
    public boolean isOpen() {
        return state == OPEN && !session.isClosed();
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
        session.onStreamClosed(this, previous == OPEN);
        signal();
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
    }

    /** The peer closed its side. */
    void onRemoteClose() {
        if (state == OPEN) {
            state = REMOTE_CLOSED;
        }
        onDelivery();
    }

    void listener(final StreamListener streamListener) {
        this.listener = streamListener;
    }

    /** Data arrived or the peer closed its side, on the draining thread: wake a parked reader, run the listener. */
    void onDelivery() {
        if (signal()) {
            session.readerWoken();
        }
        if (listener != null) {
            session.runListener(listener, this);
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
        final long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        int spins = session.spinBudget();
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
                if (current == REMOTE_CLOSED) {
                    return inbound.available() >= bytes;
                }
                session.checkOpen();
                if (session.isDrainingThread()) {
                    // Waiting here would wait for ourselves: the data can only arrive through this thread.
                    throw new IllegalStateException("stream " + id + ": a StreamListener must not wait for data ("
                        + bytes + " bytes wanted, " + inbound.available() + " buffered); read what is available");
                }
                if (spins > 0) {
                    if (!spinning) {
                        session.enterSpin();
                        spinning = true;
                    }
                    if (session.poll() > 0 && inbound.available() < bytes) {
                        // We delivered somebody else's data: let the woken reader run (on a small machine it
                        // would otherwise wait for our whole spin budget).
                        Thread.yield();
                    }
                    Session.spinPause(spins--);
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
                if (inbound.available() < bytes && state == OPEN && !session.isClosed()) {
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
            + ", buffered=" + inbound.available() + " B in " + inbound.segments() + " segments"
            + (fallbackMode ? ", fallback" : "") + "}";
    }
}
