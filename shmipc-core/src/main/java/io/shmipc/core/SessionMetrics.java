package io.shmipc.core;

import io.shmipc.core.queue.MessageQueue;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one session. Cheap to update from many threads; read them with the accessors or {@link #toString()}.
 */
public final class SessionMetrics {
    SessionMetrics(final MessageQueue sendQueue) {
        this.sendQueue = sendQueue;
    }

    /** Messages and bytes sent through the queue are counted by the queue itself, under its producer lock. */
    private final MessageQueue sendQueue;
    /** Messages sent inline on the control connection: whole messages, however many events carried them. */
    final LongAdder inlineMessagesSent = new LongAdder();
    final LongAdder inlineBytesSent = new LongAdder();
    /** Counted by the thread holding the drain. */
    final SingleWriterCounter bytesReceived = new SingleWriterCounter();
    final SingleWriterCounter messagesReceived = new SingleWriterCounter();
    final LongAdder futexWakesSent = new LongAdder();
    final LongAdder pollingEventsSent = new LongAdder();
    /** Sends through the queue that had to wake the peer; the others found it draining. */
    final LongAdder sendsThatWoke = new LongAdder();
    final LongAdder pollingEventsReceived = new LongAdder();
    final LongAdder parks = new LongAdder();
    final LongAdder fallbackWrites = new LongAdder();
    final LongAdder fallbackBytesSent = new LongAdder();
    final LongAdder fallbackReads = new LongAdder();
    final LongAdder allocationFailures = new LongAdder();
    final LongAdder queueFullWaits = new LongAdder();
    final LongAdder streamsOpened = new LongAdder();
    final LongAdder streamsClosed = new LongAdder();
    /** Received slices handed to streams (by the drain) and given back by readers (any thread). */
    final SingleWriterCounter slicesReceived = new SingleWriterCounter();
    final LongAdder slicesReleased = new LongAdder();
    final java.util.concurrent.atomic.AtomicLong inlineBytesBuffered = new java.util.concurrent.atomic.AtomicLong();
    final LongAdder inlineStalls = new LongAdder();

    public long bytesSent() {
        return sendQueue.bytesPublished() + inlineBytesSent.sum();
    }

    public long bytesReceived() {
        return bytesReceived.get();
    }

    public long messagesSent() {
        return sendQueue.messagesPublished() + inlineMessagesSent.sum();
    }

    public long messagesReceived() {
        return messagesReceived.get();
    }

    /** Wake-ups we issued as a futex wake (shmipc-java peer). */
    public long futexWakesSent() {
        return futexWakesSent.sum();
    }

    /** Wake-ups we issued as a Polling event (reference peer, or before the peer advertised futex wake-ups). */
    public long pollingEventsSent() {
        return pollingEventsSent.sum();
    }

    /** Messages sent while the peer was already draining, so no wake-up was needed. */
    public long wakeUpsAvoided() {
        // Wakes first: a send is published before it wakes, so the difference never goes negative.
        final long woke = sendsThatWoke.sum();
        return sendQueue.messagesPublished() - woke;
    }

    public long pollingEventsReceived() {
        return pollingEventsReceived.sum();
    }

    /** Times our receive loop parked. */
    public long parks() {
        return parks.sum();
    }

    /** Messages sent inline on the control connection because the buffer region was exhausted. */
    public long fallbackWrites() {
        return fallbackWrites.sum();
    }

    public long fallbackBytesSent() {
        return fallbackBytesSent.sum();
    }

    public long fallbackReads() {
        return fallbackReads.sum();
    }

    /** Slice allocations that found the buffer region exhausted. */
    public long allocationFailures() {
        return allocationFailures.sum();
    }

    /** Writes that had to wait for room in the send queue. */
    public long queueFullWaits() {
        return queueFullWaits.sum();
    }

    public long streamsOpened() {
        return streamsOpened.sum();
    }

    public long streamsClosed() {
        return streamsClosed.sum();
    }

    /** Received slices not yet released by readers: a leak if it keeps growing. */
    public long slicesHeld() {
        // Released first: a slice is counted received before any reader can release it.
        final long released = slicesReleased.sum();
        return slicesReceived.get() - released;
    }

    /** Bytes received inline (FallbackData) that readers have not consumed yet; bounded by the session config. */
    public long inlineBytesBuffered() {
        return inlineBytesBuffered.get();
    }

    /** Times the control connection stopped being read because inline data reached its bound. */
    public long inlineStalls() {
        return inlineStalls.sum();
    }

    /** How wake-ups were sent, for humans: "futex", "polling", "futex+polling" or "none". */
    public String wakePath() {
        final boolean futex = futexWakesSent() > 0;
        final boolean polling = pollingEventsSent() > 0;
        return futex && polling ? "futex+polling" : futex ? "futex" : polling ? "polling" : "none";
    }

    @Override
    public String toString() {
        return "sent " + messagesSent() + " msgs/" + bytesSent() + " B, received " + messagesReceived() + " msgs/"
            + bytesReceived() + " B, wake-ups futex " + futexWakesSent() + " polling " + pollingEventsSent()
            + " avoided " + wakeUpsAvoided() + ", polling received " + pollingEventsReceived() + ", parks " + parks()
            + ", fallback writes " + fallbackWrites() + " (" + fallbackBytesSent() + " B) reads " + fallbackReads()
            + ", allocation failures " + allocationFailures() + ", queue-full waits " + queueFullWaits()
            + ", streams opened " + streamsOpened() + " closed " + streamsClosed() + ", slices held " + slicesHeld()
            + ", inline buffered " + inlineBytesBuffered() + " B, inline stalls " + inlineStalls();
    }
}
