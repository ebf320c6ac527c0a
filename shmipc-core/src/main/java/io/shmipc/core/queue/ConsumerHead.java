package io.shmipc.core.queue;

import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A consumer's head of a ring in shared memory: our own copy, moved by whichever local thread drains and read by any
 * thread asking whether the ring is empty (release/acquire, plain moves on x86), and the value last stored to the
 * shared head word, which the producer reads. Publication is separate from consumption: the store to the shared line
 * (which the producer keeps taking away) waits until the deliveries are made (see {@link MessageQueue#publishHead()}).
 */
final class ConsumerHead {
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(ConsumerHead.class, "head", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AtomicBuffer buffer;
    private final int index;
    @SuppressWarnings("unused")
    private long head;
    /** Written by the draining thread only. */
    private long published;

    ConsumerHead(final AtomicBuffer buffer, final int index) {
        this.buffer = buffer;
        this.index = index;
        this.published = buffer.getLongVolatile(index);
        HEAD.setRelease(this, published);
    }

    /** Our head, with what was consumed before it visible. */
    long acquire() {
        return (long) HEAD.getAcquire(this);
    }

    /** The draining thread moved past what it consumed. */
    void advance(final long newHead) {
        HEAD.setRelease(this, newHead);
    }

    /** The draining thread tells the producer how far we consumed. */
    void publish() {
        final long current = (long) HEAD.get(this);
        if (current != published) {
            buffer.putLongOrdered(index, current);
            published = current;
        }
    }

    /** True if {@link #publish()} has something to store; a hint when asked by another thread. */
    boolean unpublished() {
        return (long) HEAD.getOpaque(this) != published;
    }
}
