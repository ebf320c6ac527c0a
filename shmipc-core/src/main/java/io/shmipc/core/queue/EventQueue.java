package io.shmipc.core.queue;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.QueueDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.shmipc.core.layout.QueueDescriptor.CAPACITY_ALIGNMENT;
import static io.shmipc.core.layout.QueueDescriptor.CAPACITY_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_BUFFER_OFFSET_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_LENGTH;
import static io.shmipc.core.layout.QueueDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_STATUS_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_STREAM_ID_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.HEAD_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.MAX_CAPACITY;
import static io.shmipc.core.layout.QueueDescriptor.TAIL_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.WORKING_FLAG_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.elementOffset;
import static io.shmipc.core.layout.QueueDescriptor.ringLength;

/**
 * One ring of the queue region, seen from one side. A process is either the single producer of a ring (many
 * threads of it may offer concurrently) or its single consumer; the peer process is the other.
 *
 * <p>Every value the peer can write (head when we produce, tail when we consume) is checked before use: a ring whose
 * indices disagree with its capacity makes the call throw {@link ProtocolViolationException}.
 */
public final class EventQueue implements MessageQueue {
    /** Receives one element from {@link #drain}. */
    @FunctionalInterface
    public interface ElementHandler {
        void onElement(int streamId, int bufferOffset, int status) throws ProtocolViolationException;
    }

    private final AtomicBuffer buffer;
    private final int ringOffset;
    private final int capacity;
    private final int headIndex;
    private final int tailIndex;
    private final int flagIndex;
    private final Object producerLock = new Object();
    /** Producer side: the next sequence to publish (our copy of tail; only we write tail), guarded by producerLock. */
    private long producerTail;
    private final ConsumerHead consumerHead;
    private static final long NOT_A_MESSAGE = -1;
    /** Producer side, guarded by producerLock, read by anybody (opaque). */
    private long messagesPublished;
    private long bytesPublished;
    private static final java.lang.invoke.VarHandle MESSAGES_PUBLISHED;
    private static final java.lang.invoke.VarHandle BYTES_PUBLISHED;

    static {
        try {
            final java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            MESSAGES_PUBLISHED = lookup.findVarHandle(EventQueue.class, "messagesPublished", long.class);
            BYTES_PUBLISHED = lookup.findVarHandle(EventQueue.class, "bytesPublished", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private EventQueue(final AtomicBuffer buffer, final int ringOffset, final int capacity) {
        this.buffer = buffer;
        this.ringOffset = ringOffset;
        this.capacity = capacity;
        this.headIndex = ringOffset + HEAD_OFFSET;
        this.tailIndex = ringOffset + TAIL_OFFSET;
        this.flagIndex = ringOffset + WORKING_FLAG_OFFSET;
        this.producerTail = buffer.getLongVolatile(tailIndex);
        this.consumerHead = new ConsumerHead(buffer, headIndex);
    }

    /** Writes an empty ring header of the given capacity at {@code ringOffset} (creator side). */
    public static EventQueue format(final AtomicBuffer buffer, final int ringOffset, final int capacity) {
        if (capacity <= 0 || capacity % CAPACITY_ALIGNMENT != 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("queue capacity must be a positive multiple of " + CAPACITY_ALIGNMENT
                + " and at most " + MAX_CAPACITY + ", got " + capacity);
        }
        checkFits(buffer, ringOffset, capacity);
        buffer.setMemory(ringOffset, (int) ringLength(capacity), (byte) 0);
        buffer.putInt(ringOffset + CAPACITY_OFFSET, capacity);
        buffer.putLongVolatile(ringOffset + HEAD_OFFSET, 0);
        buffer.putLongVolatile(ringOffset + TAIL_OFFSET, 0);
        buffer.putIntVolatile(ringOffset + WORKING_FLAG_OFFSET, 0);
        return new EventQueue(buffer, ringOffset, capacity);
    }

    /** Maps a ring the peer created; validates its header against the region. */
    public static EventQueue attach(final AtomicBuffer buffer, final int ringOffset, final int expectedCapacity)
        throws ProtocolViolationException {
        final int capacity = buffer.getIntVolatile(ringOffset + CAPACITY_OFFSET);
        if (capacity != expectedCapacity) {
            throw new ProtocolViolationException("queue ring at offset " + ringOffset + " claims capacity "
                + Integer.toUnsignedString(capacity) + " but the region holds " + expectedCapacity);
        }
        if (capacity <= 0 || capacity > MAX_CAPACITY) {
            throw new ProtocolViolationException("queue capacity " + capacity + " out of range");
        }
        final long address = buffer.addressOffset() + ringOffset;
        if (straddlesCacheLine(address + HEAD_OFFSET) || straddlesCacheLine(address + TAIL_OFFSET)) {
            throw new ProtocolViolationException("queue capacity " + capacity
                + " puts head or tail across a cache line, where 8-byte accesses are not atomic");
        }
        checkFits(buffer, ringOffset, capacity);
        final EventQueue queue = new EventQueue(buffer, ringOffset, capacity);
        queue.checkIndices(queue.consumerHead.acquire(), queue.producerTail);
        return queue;
    }

    /** Capacity that a region of {@code regionLength} bytes implies, or -1 if none. */
    public static int capacityForRegion(final long regionLength) {
        if (regionLength <= 0 || regionLength % 2 != 0) {
            return -1;
        }
        final long ring = regionLength / 2;
        if (ring <= HEADER_LENGTH || (ring - HEADER_LENGTH) % ELEMENT_LENGTH != 0) {
            return -1;
        }
        final long capacity = (ring - HEADER_LENGTH) / ELEMENT_LENGTH;
        return capacity > MAX_CAPACITY ? -1 : (int) capacity;
    }

    private static boolean straddlesCacheLine(final long address) {
        return (address & 63) > 56;
    }

    private static void checkFits(final AtomicBuffer buffer, final int ringOffset, final int capacity) {
        if (ringOffset < 0 || ringOffset + ringLength(capacity) > buffer.capacity()) {
            throw new IllegalArgumentException("queue ring of capacity " + capacity + " at " + ringOffset
                + " does not fit a region of " + buffer.capacity() + " bytes");
        }
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Producer: puts one element. Safe for many local threads at once. Returns false when the ring is full; the
     * caller decides how long to wait.
     */
    @Override
    public boolean offer(final int streamId, final int bufferOffset, final int status)
        throws ProtocolViolationException {
        return offer(streamId, bufferOffset, status, NOT_A_MESSAGE);
    }

    /**
     * Producer: puts the element of a message of {@code bytes} bytes, counted in {@link #messagesPublished()} and
     * {@link #bytesPublished()} (kept under the producer lock, so counting costs no atomic operation of its own).
     */
    @Override
    public boolean offerMessage(final int streamId, final int bufferOffset, final long bytes)
        throws ProtocolViolationException {
        return offer(streamId, bufferOffset, QueueDescriptor.STATUS_OPEN, bytes);
    }

    private boolean offer(final int streamId, final int bufferOffset, final int status, final long bytes)
        throws ProtocolViolationException {
        final AtomicBuffer buffer = this.buffer;
        // The peer reads everything up to tail, so elements are published strictly in order. Claiming slots first and
        // then waiting for earlier claimants to publish makes every producer wait on any claimant that is descheduled
        // (with more threads than CPUs that becomes a convoy of ~100 ms round trips). A lock held for a few stores
        // lets waiting producers park instead, and a thread that is running take the lock at once.
        synchronized (producerLock) {
            final long sequence = producerTail;
            final long head = buffer.getLongVolatile(headIndex);
            final long used = sequence - head;
            if (used < 0) {
                throw new ProtocolViolationException("peer moved the queue head to " + head
                    + " past our tail " + sequence + " (capacity " + capacity + ")");
            }
            if (used >= capacity) {
                return false;
            }
            final long tail = buffer.getLongVolatile(tailIndex);
            if (tail != sequence) {
                throw new ProtocolViolationException("queue tail moved to " + tail
                    + " under us while publishing sequence " + sequence + "; only we write it");
            }
            final int element = ringOffset + elementOffset(sequence, capacity);
            buffer.putInt(element + ELEMENT_STREAM_ID_OFFSET, streamId);
            buffer.putInt(element + ELEMENT_BUFFER_OFFSET_OFFSET, bufferOffset);
            buffer.putInt(element + ELEMENT_STATUS_OFFSET, status);
            // Release: the element's three fields become visible before the new tail.
            buffer.putLongOrdered(tailIndex, sequence + 1);
            producerTail = sequence + 1;
            if (bytes != NOT_A_MESSAGE) {
                MESSAGES_PUBLISHED.setOpaque(this, messagesPublished + 1);
                BYTES_PUBLISHED.setOpaque(this, bytesPublished + bytes);
            }
        }
        return true;
    }

    /**
     * Consumer: hands up to {@code limit} elements to the handler, then publishes the new head. Returns the number
     * handed over.
     */
    public int drain(final ElementHandler handler, final int limit) throws ProtocolViolationException {
        final AtomicBuffer buffer = this.buffer;
        long head = consumerHead.acquire();
        // Acquire: elements up to tail were written before tail was published.
        final long tail = buffer.getLongVolatile(tailIndex);
        checkIndices(head, tail);
        final long end = Math.min(tail, head + limit);
        int count = 0;
        while (head < end) {
            final int element = ringOffset + elementOffset(head, capacity);
            final int streamId = buffer.getInt(element + ELEMENT_STREAM_ID_OFFSET);
            final int bufferOffset = buffer.getInt(element + ELEMENT_BUFFER_OFFSET_OFFSET);
            final int status = buffer.getInt(element + ELEMENT_STATUS_OFFSET);
            head++;
            count++;
            consumerHead.advance(head);
            handler.onElement(streamId, bufferOffset, status);
        }
        return count;
    }

    /** Consumer: as {@link #drain(ElementHandler, int)}; this queue carries no message bytes itself. */
    @Override
    public int drain(final Handler handler, final int limit) throws ProtocolViolationException {
        return drain((ElementHandler) handler, limit);
    }

    /**
     * Consumer: tells the producer how far we consumed. {@link #drain} does not: the store to the shared header line
     * (which the producer's tail store keeps taking away) would make the next atomic operation on the delivery path
     * wait for that line to come back. The session publishes once its deliveries are made: after a drain by its
     * receive thread, before it wakes a parked reader, when a spinning reader stops spinning or next finds the ring
     * empty, and before each drain and park. Only the thread that drains calls this.
     */
    @Override
    public void publishHead() {
        consumerHead.publish();
    }

    /** Consumer: true if {@link #publishHead()} has something to publish; a hint when asked by another thread. */
    @Override
    public boolean headUnpublished() {
        return consumerHead.unpublished();
    }

    /** Consumer: true when there is nothing to drain. */
    @Override
    public boolean isEmpty() {
        return buffer.getLongVolatile(tailIndex) == consumerHead.acquire();
    }

    /** Elements published and not yet consumed, as the indices say now. */
    public long size() {
        return buffer.getLongVolatile(tailIndex) - buffer.getLongVolatile(headIndex);
    }

    /** Producer: flips the consumer's working flag 0 to 1; true if we did, i.e. the consumer may need a wake-up. */
    public boolean markWorking() {
        return buffer.compareAndSetInt(flagIndex, 0, 1);
    }

    /** Consumer: announces that we are about to park; producers will wake us from now on. */
    public void markNotWorking() {
        buffer.putIntVolatile(flagIndex, 0);
    }

    /**
     * Consumer: announces that we are draining or spinning; producers need not wake us. An ordered store: a producer
     * that does not see it yet only wakes us needlessly, and one that does publishes before we poll again.
     */
    public void markWorkingByConsumer() {
        buffer.putIntOrdered(flagIndex, 1);
    }

    public int workingFlag() {
        return buffer.getIntVolatile(flagIndex);
    }

    /** Absolute address of the working flag, the word a futex waits on. */
    public long workingFlagAddress() {
        return buffer.addressOffset() + flagIndex;
    }

    /** Producer: messages published with {@link #offerMessage}. */
    @Override
    public long messagesPublished() {
        return (long) MESSAGES_PUBLISHED.getOpaque(this);
    }

    /** Producer: bytes of the messages published with {@link #offerMessage}. */
    @Override
    public long bytesPublished() {
        return (long) BYTES_PUBLISHED.getOpaque(this);
    }

    /** Total elements ever published to this ring. */
    public long tail() {
        return buffer.getLongVolatile(tailIndex);
    }

    @Override
    public boolean everUsed() {
        return tail() > 0;
    }

    @Override
    public String describe() {
        return "queue " + size() + "/" + capacity + " elements, working flag " + workingFlag();
    }

    private void checkIndices(final long head, final long tail) throws ProtocolViolationException {
        final long used = tail - head;
        if (head < 0 || used < 0 || used > capacity) {
            throw new ProtocolViolationException("queue indices out of range: head " + head + ", tail " + tail
                + ", capacity " + capacity);
        }
    }
}
