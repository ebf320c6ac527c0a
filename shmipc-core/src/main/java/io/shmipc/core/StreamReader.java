package io.shmipc.core;

import io.shmipc.core.buffer.BufferPool;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.IntConsumer;

/**
 * Reads a stream's received bytes. {@link #view(int)} returns them in place in shared memory when they lie in one
 * slice (zero copy) and a copy otherwise; the view stays valid until {@link #release(int)} consumes the bytes,
 * which gives fully read slices back to the pool. {@link #take(int)} instead hands the bytes out as
 * {@link ReceivedBytes} that keep their slice until released, so that a caller can read on while earlier messages
 * are still in use.
 */
public final class StreamReader {
    /** Flag in {@link #holds}: the slice was read to the end and goes back to the pool with its last hold. */
    private static final int CONSUMED = 1 << 30;

    private final Stream stream;
    private final Session session;
    private final AtomicBuffer region;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(0);
    private final UnsafeBuffer arrayView = new UnsafeBuffer(0, 0);
    private final Inbound.Cursor cursor = this::onHead;
    private final IntConsumer consumed = this::onConsumed;
    /** Slice -> number of unreleased {@link ReceivedBytes} viewing it (| CONSUMED); guarded by itself. */
    private final Int2IntHashMap holds = new Int2IntHashMap(0);
    /**
     * Entries in {@link #holds}, written under its monitor: while zero (no {@link ReceivedBytes} out, the common
     * case) a consumed slice goes back without taking the monitor. Holds are only added by the reading thread, the
     * one that consumes, so none can appear for the slice being consumed.
     */
    private volatile int slicesHeldByTakes;
    /** Marks {@link #detachingSlice} once the slice left the stream without going back to the pool. */
    private static final int DETACHED = -2;
    /** The slice {@link #takeWholeSlice} is taking off the stream; the reading thread's own. */
    private int detachingSlice = BufferPool.NO_SLICE;
    private final IntConsumer detaching = this::onConsumedDetaching;
    private int headSlice;
    /** The next unread byte: at headAddress outside the heap, or at headIndex of headArray. */
    private long headAddress;
    private int headIndex;
    private byte[] headArray;
    private int headLength;

    StreamReader(final Stream stream, final Session session) {
        this.stream = stream;
        this.session = session;
        this.region = session.pool().region();
    }

    /** Bytes received and not yet released. */
    public long available() {
        return stream.inbound.available();
    }

    /**
     * Waits until at least {@code bytes} are buffered; false if the stream ended with fewer. A timeout of zero or
     * less uses the stream's read timeout (none by default).
     */
    public boolean await(final long bytes, final long timeoutNanos) throws ShmIpcException {
        return stream.awaitAvailable(bytes, timeoutNanos > 0 ? timeoutNanos : stream.readTimeoutNanos());
    }

    /**
     * The next {@code length} unread bytes, waiting for them. Valid until {@link #release(int)} or the next view.
     *
     * @throws StreamClosedException if the stream ends before that many bytes arrive
     */
    public DirectBuffer view(final int length) throws ShmIpcException {
        requireAvailable(length);
        if (length == 0) {
            view.wrap(0, 0);
            return view;
        }
        if (headHolds(length)) {
            if (headArray != null) {
                view.wrap(headArray, headIndex, length);
            } else {
                view.wrap(headAddress, length);
            }
            return view;
        }
        scratch.checkLimit(length);
        stream.inbound.copyTo(region, scratch, 0, length);
        view.wrap(scratch.byteArray(), 0, length);
        return view;
    }

    /** Consumes {@code length} bytes; slices read to the end go back to the pool. */
    public void release(final int length) {
        stream.inbound.consume(length, consumed);
    }

    /**
     * Takes the next {@code length} bytes off the stream, waiting for them: in place when they lie in one slice (the
     * slice stays out of the pool until the result is released) or in the stream's local buffer (whose room then
     * stays pinned until the result is released; one such result at a time), copied to the heap otherwise.
     *
     * @throws StreamClosedException if the stream ends before that many bytes arrive
     */
    public ReceivedBytes take(final int length) throws ShmIpcException {
        requireAvailable(length);
        final UnsafeBuffer bytes = new UnsafeBuffer(0, 0);
        if (length == 0) {
            return new ReceivedBytes(this, bytes, BufferPool.NO_SLICE, false, false);
        }
        if (headHolds(length) && headSlice == Inbound.LOCAL && stream.inbound.pinLocal()) {
            bytes.wrap(headAddress, length);
            release(length);
            return new ReceivedBytes(this, bytes, Inbound.LOCAL, false, false);
        }
        if (headHolds(length) && headSlice != Inbound.LOCAL) {
            final int slice;
            if (headArray != null) {
                bytes.wrap(headArray, headIndex, length);
                slice = BufferPool.NO_SLICE;
            } else {
                session.retainRegion();
                bytes.wrap(headAddress, length);
                slice = headSlice;
                if (headLength == length && slicesHeldByTakes == 0) {
                    // Holds are added only on this thread: with none, no earlier take still views this slice.
                    return takeWholeSlice(bytes, slice, length);
                }
                hold(slice);
            }
            release(length);
            return new ReceivedBytes(this, bytes, slice, false, false);
        }
        bytes.wrap(new byte[length]);
        session.retainRegion();
        try {
            stream.inbound.copyTo(region, bytes, 0, length);
        } finally {
            session.releaseRegion();
        }
        release(length);
        return new ReceivedBytes(this, bytes, BufferPool.NO_SLICE, true, false);
    }

    /**
     * The common case of {@link #take}: the bytes are the rest of their slice (a message per slice) and no earlier
     * take views it, so the slice leaves the stream whole and belongs to the result alone, with no hold to count in
     * {@link #holds}.
     */
    private ReceivedBytes takeWholeSlice(final UnsafeBuffer bytes, final int slice, final int length)
        throws StreamClosedException {
        detachingSlice = slice;
        stream.inbound.consume(length, detaching);
        final boolean detached = detachingSlice == DETACHED;
        detachingSlice = BufferPool.NO_SLICE;
        if (!detached) {
            // The stream was closed meanwhile (from another thread) and gave the slice back itself.
            session.releaseRegion();
            throw new StreamClosedException("stream " + stream.id() + " was closed while taking " + length + " bytes");
        }
        return new ReceivedBytes(this, bytes, slice, false, true);
    }

    /** A consumed slice: the one being detached by {@link #takeWholeSlice} is kept, any other goes back. */
    private void onConsumedDetaching(final int slice) {
        if (slice == detachingSlice) {
            detachingSlice = DETACHED;
        } else {
            onConsumed(slice);
        }
    }

    /** A {@link ReceivedBytes} that owned its whole slice was released. */
    void releaseOwned(final int slice) {
        session.releaseSlice(slice);
        session.releaseRegion();
    }

    /** Reads at least one byte (up to {@code length}), blocking; -1 at the end of the stream. */
    public int read(final byte[] dst, final int offset, final int length) throws ShmIpcException {
        if (length == 0) {
            return 0;
        }
        if (!await(1, 0)) {
            return -1;
        }
        final int n = (int) Math.min(length, available());
        arrayView.wrap(dst, offset, n);
        stream.inbound.copyTo(region, arrayView, 0, n);
        release(n);
        return n;
    }

    /** Reads exactly {@code length} bytes, blocking; slices are released as they are copied. */
    public void readFully(final byte[] dst, final int offset, final int length) throws ShmIpcException {
        int done = 0;
        while (done < length) {
            final int n = read(dst, offset + done, length - done);
            if (n < 0) {
                throw new StreamClosedException("stream " + stream.id() + " ended after " + done + " of " + length
                    + " bytes");
            }
            done += n;
        }
    }

    /**
     * Points the head fields at the first non-empty segment (giving empty ones back) and says whether it alone
     * holds the next {@code length} bytes.
     */
    private boolean headHolds(final int length) {
        while (stream.inbound.head(cursor) && headLength == 0) {
            stream.inbound.consume(0, consumed);
        }
        return headLength >= length;
    }

    private void requireAvailable(final int length) throws ShmIpcException {
        if (!await(length, 0)) {
            throw new StreamClosedException("stream " + stream.id() + " ended with " + available()
                + " bytes buffered, " + length + " needed");
        }
    }

    private void hold(final int slice) {
        synchronized (holds) {
            final int count = holds.get(slice);
            holds.put(slice, count + 1);
            if (count == 0) {
                slicesHeldByTakes++;
            }
        }
    }

    /** A {@link ReceivedBytes} over {@code slice} was released. */
    /** A {@link ReceivedBytes} in the local buffer was released. */
    void unpinLocal() {
        stream.inbound.unpinLocal();
    }

    void unhold(final int slice) {
        final boolean free;
        synchronized (holds) {
            final int left = holds.get(slice) - 1;
            free = left == CONSUMED;
            if ((left & ~CONSUMED) == 0) {
                holds.remove(slice);
                slicesHeldByTakes--;
            } else {
                holds.put(slice, left);
            }
        }
        if (free) {
            session.releaseSlice(slice);
        }
        session.releaseRegion();
    }

    /** A slice was read to the end (or dropped): back to the pool unless a {@link ReceivedBytes} still views it. */
    void onConsumed(final int slice) {
        if (slicesHeldByTakes == 0) {
            session.releaseSlice(slice);
            return;
        }
        synchronized (holds) {
            final int count = holds.get(slice);
            if (count != 0) {
                holds.put(slice, count | CONSUMED);
                return;
            }
        }
        session.releaseSlice(slice);
    }

    private void onHead(final int slice, final long address, final byte[] heapArray, final int heapIndex,
                        final int length) {
        this.headSlice = slice;
        this.headArray = heapArray;
        this.headAddress = address;
        this.headIndex = heapIndex;
        this.headLength = length;
    }
}
