package io.shmipc.core.buffer;

import io.shmipc.core.ProtocolViolationException;
import org.agrona.concurrent.AtomicBuffer;

import static io.shmipc.core.layout.SliceDescriptor.FLAGS_OFFSET;
import static io.shmipc.core.layout.SliceDescriptor.FLAG_IN_USE;
import static io.shmipc.core.layout.SliceDescriptor.SIZE_OFFSET;
import static io.shmipc.core.layout.SliceDescriptor.START_OFFSET;

/**
 * A process-local stash of slices this side is done with, reused for its next sends before the shared free lists
 * are touched. In request/response traffic each side frees what the other sent and allocates what it sends back,
 * so in steady state no allocator cache line has to cross between the processes.
 *
 * <p>Protocol-wise a cached slice is simply still in use: the free lists never see it, the peer never notices.
 * A bounded number per size class is kept (at most an eighth of the class, at most {@value #MAX_PER_CLASS}); the
 * rest go back to the shared lists at once, so the peer's allocations are not starved.
 */
public final class SliceCache {
    static final int MAX_PER_CLASS = 16;

    private final BufferPool pool;
    private final AtomicBuffer region;
    private final int[][] stacks;
    private final int[] sizes;

    public SliceCache(final BufferPool pool) {
        this.pool = pool;
        this.region = pool.region();
        this.stacks = new int[pool.listCount()][];
        this.sizes = new int[pool.listCount()];
        for (int i = 0; i < stacks.length; i++) {
            stacks[i] = new int[Math.min(MAX_PER_CLASS, pool.sliceCount(i) / 8)];
        }
    }

    /** A slice for a write of {@code wanted} more bytes: a cached one of the class the pool would pick, else a pooled one. */
    public int allocate(final int wanted) throws ProtocolViolationException {
        final int listIndex = pool.classFor(wanted);
        final int cached = take(listIndex);
        if (cached != BufferPool.NO_SLICE) {
            // Fresh as a pop leaves it: in use, empty, no link.
            region.putInt(cached + SIZE_OFFSET, 0);
            region.putInt(cached + START_OFFSET, 0);
            region.putByte(cached + FLAGS_OFFSET, (byte) FLAG_IN_USE);
            return cached;
        }
        return pool.allocate(wanted);
    }

    /** Keeps a slice for reuse, or gives it back to its free list when the stash of its class is full. */
    public void free(final int slice) throws ProtocolViolationException {
        final int listIndex = pool.listIndexOf(slice);
        if (!offer(listIndex, slice)) {
            pool.free(slice);
        }
    }

    /**
     * Gives every stashed slice back to its free list, so that a peer inspecting an idle session (shmipc-go's leak
     * check, its in-use metric) finds nothing held.
     */
    public void returnAll() throws ProtocolViolationException {
        for (int listIndex = 0; listIndex < stacks.length; listIndex++) {
            int slice;
            while ((slice = take(listIndex)) != BufferPool.NO_SLICE) {
                pool.free(slice);
            }
        }
    }

    /** Slices currently stashed, all classes. */
    public synchronized int size() {
        int total = 0;
        for (final int size : sizes) {
            total += size;
        }
        return total;
    }

    private synchronized int take(final int listIndex) {
        final int size = sizes[listIndex];
        if (size == 0) {
            return BufferPool.NO_SLICE;
        }
        sizes[listIndex] = size - 1;
        return stacks[listIndex][size - 1];
    }

    private synchronized boolean offer(final int listIndex, final int slice) {
        final int size = sizes[listIndex];
        if (size == stacks[listIndex].length) {
            return false;
        }
        stacks[listIndex][size] = slice;
        sizes[listIndex] = size + 1;
        return true;
    }
}
