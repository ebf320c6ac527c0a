package io.shmipc.core;

import io.shmipc.core.buffer.BufferPool;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Bytes taken off a stream with {@link StreamReader#take(int)}: no longer part of the stream, but their memory is kept,
 * intact even if the session ends meanwhile, until {@link #release()}. A view in place (of one shared-memory slice, of
 * the stream's local buffer, or of inline fallback data) when the bytes lay in one piece, a private heap copy when
 * they spanned slices. Unlike
 * {@link StreamReader#view(int)}, several may be held at once and released in any order, from any thread.
 */
public final class ReceivedBytes {
    private static final AtomicIntegerFieldUpdater<ReceivedBytes> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(ReceivedBytes.class, "released");

    private final StreamReader owner;
    private final UnsafeBuffer buffer;
    private final int heldSlice;
    private final boolean copy;
    /** The slice left the stream with these bytes and is theirs alone (no other view counts on it). */
    private final boolean ownsSlice;
    private volatile int released;

    ReceivedBytes(final StreamReader owner, final UnsafeBuffer buffer, final int heldSlice, final boolean copy,
                  final boolean ownsSlice) {
        this.owner = owner;
        this.buffer = buffer;
        this.heldSlice = heldSlice;
        this.copy = copy;
        this.ownsSlice = ownsSlice;
    }

    /** The bytes, from index 0 to {@link #length()}; not to be read after {@link #release()}. */
    public DirectBuffer buffer() {
        return buffer;
    }

    public int length() {
        return buffer.capacity();
    }

    /** True when the bytes spanned slices and were copied to the heap; false for a view in place. */
    public boolean isCopy() {
        return copy;
    }

    /** Gives the memory back (the slice returns to the pool once nothing else reads it). Idempotent. */
    public void release() {
        if (RELEASED.compareAndSet(this, 0, 1) && heldSlice != BufferPool.NO_SLICE) {
            if (heldSlice == Inbound.LOCAL) {
                owner.unpinLocal();
            } else if (ownsSlice) {
                owner.releaseOwned(heldSlice);
            } else {
                owner.unhold(heldSlice);
            }
        }
    }
}
