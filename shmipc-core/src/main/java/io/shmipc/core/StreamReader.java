package io.shmipc.core;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads a stream's received bytes. {@link #view(int)} returns them in place in shared memory when they lie in one
 * slice (zero copy) and a copy otherwise; the view stays valid until {@link #release(int)} consumes the bytes,
 * which gives fully read slices back to the pool.
 */
public final class StreamReader {
    private final Stream stream;
    private final Session session;
    private final AtomicBuffer region;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(0);
    private final UnsafeBuffer arrayView = new UnsafeBuffer(0, 0);
    private final Inbound.Cursor cursor = this::onHead;
    private int headSlice;
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
        while (stream.inbound.head(cursor) && headLength == 0) {
            stream.inbound.consume(0, session::releaseSlice);
        }
        if (headLength >= length) {
            if (headArray != null) {
                view.wrap(headArray, headIndex, length);
            } else {
                view.wrap(region.addressOffset() + headIndex, length);
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
        stream.inbound.consume(length, session::releaseSlice);
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

    private void requireAvailable(final int length) throws ShmIpcException {
        if (!await(length, 0)) {
            throw new StreamClosedException("stream " + stream.id() + " ended with " + available()
                + " bytes buffered, " + length + " needed");
        }
    }

    private void onHead(final int slice, final int regionIndex, final byte[] heapArray, final int heapIndex,
                        final int length) {
        this.headSlice = slice;
        this.headArray = heapArray;
        this.headIndex = heapArray != null ? heapIndex : regionIndex;
        this.headLength = length;
    }
}
