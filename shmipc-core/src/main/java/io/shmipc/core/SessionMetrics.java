package io.shmipc.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one session. Cheap to update from many threads; read them with the accessors or {@link #toString()}.
 */
public final class SessionMetrics {
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder messagesSent = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder futexWakesSent = new LongAdder();
    final LongAdder pollingEventsSent = new LongAdder();
    final LongAdder wakeUpsAvoided = new LongAdder();
    final LongAdder pollingEventsReceived = new LongAdder();
    final LongAdder parks = new LongAdder();
    final LongAdder fallbackWrites = new LongAdder();
    final LongAdder fallbackBytesSent = new LongAdder();
    final LongAdder fallbackReads = new LongAdder();
    final LongAdder allocationFailures = new LongAdder();
    final LongAdder queueFullWaits = new LongAdder();
    final LongAdder streamsOpened = new LongAdder();
    final LongAdder streamsClosed = new LongAdder();
    final LongAdder slicesHeld = new LongAdder();
    final java.util.concurrent.atomic.AtomicLong inlineBytesBuffered = new java.util.concurrent.atomic.AtomicLong();
    final LongAdder inlineStalls = new LongAdder();

    public long bytesSent() {
        return bytesSent.sum();
    }

    public long bytesReceived() {
        return bytesReceived.sum();
    }

    public long messagesSent() {
        return messagesSent.sum();
    }

    public long messagesReceived() {
        return messagesReceived.sum();
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
        return wakeUpsAvoided.sum();
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
        return slicesHeld.sum();
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
