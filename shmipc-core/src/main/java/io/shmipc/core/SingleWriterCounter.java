package io.shmipc.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter updated by one thread at a time, read by any: a plain add published with an opaque store, no atomic
 * read-modify-write. Used for what only the thread holding a session's drain (or a queue's producer lock) counts,
 * where a {@code LongAdder}'s compare-and-set per message would be a measurable part of a 64-byte round trip.
 * Threads that take turns must hand over through a happens-before edge (a lock, a CAS) so no update is lost.
 */
final class SingleWriterCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SingleWriterCounter.class, "value", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long value;

    /** Adds {@code delta}; only the current owner thread calls this. */
    void add(final long delta) {
        VALUE.setOpaque(this, (long) VALUE.get(this) + delta);
    }

    void increment() {
        add(1);
    }

    /** The latest value this thread can see; exact once the writer handed over to the reader. */
    long get() {
        return (long) VALUE.getOpaque(this);
    }
}
