package io.shmipc.core.queue;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.QueueDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static io.shmipc.core.layout.MessageRingDescriptor.CAPACITY_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.ELEMENT_BUFFER_OFFSET_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.ELEMENT_RECORD_LENGTH;
import static io.shmipc.core.layout.MessageRingDescriptor.ELEMENT_STATUS_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.MessageRingDescriptor.HEAD_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.DATA_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.MAX_CAPACITY;
import static io.shmipc.core.layout.MessageRingDescriptor.MIN_CAPACITY;
import static io.shmipc.core.layout.MessageRingDescriptor.RECORD_HEADER_LENGTH;
import static io.shmipc.core.layout.MessageRingDescriptor.RECORD_TYPE_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.STREAM_ID_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.TAIL_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.TYPE_ELEMENT;
import static io.shmipc.core.layout.MessageRingDescriptor.TYPE_DATA;
import static io.shmipc.core.layout.MessageRingDescriptor.TYPE_PADDING;
import static io.shmipc.core.layout.MessageRingDescriptor.aligned;
import static io.shmipc.core.layout.MessageRingDescriptor.ringLength;

/**
 * One message ring (docs/PROTOCOL.md section 12) seen from one side: records of variable length, each published by
 * a release store of its length word, which the consumer polls at its head. A consumer thus reads one record (one or
 * two cache lines for a small message) where the reference queue has it read the tail, an element, a slice header
 * and the slice.
 *
 * <p>Every value the peer writes is checked before use: a record whose length or type does not fit the ring, or a
 * head the consumer moved past our tail, throws {@link ProtocolViolationException}.
 */
public final class MessageRing implements MessageQueue {
    private static final VarHandle MESSAGES_PUBLISHED;
    private static final VarHandle BYTES_PUBLISHED;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            MESSAGES_PUBLISHED = lookup.findVarHandle(MessageRing.class, "messagesPublished", long.class);
            BYTES_PUBLISHED = lookup.findVarHandle(MessageRing.class, "bytesPublished", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AtomicBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int headIndex;
    private final int tailIndex;
    private final int dataIndex;
    /** Records of at most this many bytes of message go in a data record; a quarter of the ring, so several always fit. */
    private final int maxDataLength;
    private final Object producerLock = new Object();
    /** Producer side, under producerLock: our tail (only we write it) and the head as last read. */
    private long producerTail;
    private long knownHead;
    private final ConsumerHead consumerHead;
    /** Producer side, under producerLock, read by anybody (opaque). */
    @SuppressWarnings("unused")
    private long messagesPublished;
    @SuppressWarnings("unused")
    private long bytesPublished;

    private MessageRing(final AtomicBuffer buffer, final int ringOffset, final int capacity) {
        this.buffer = buffer;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.headIndex = ringOffset + HEAD_OFFSET;
        this.tailIndex = ringOffset + TAIL_OFFSET;
        this.dataIndex = ringOffset + HEADER_LENGTH;
        this.maxDataLength = capacity / 4 - DATA_OFFSET;
        this.producerTail = buffer.getLongVolatile(tailIndex);
        this.knownHead = buffer.getLongVolatile(headIndex);
        this.consumerHead = new ConsumerHead(buffer, headIndex);
    }

    /** Writes an empty ring of {@code capacity} bytes (a power of two) at {@code ringOffset} (creator side). */
    public static MessageRing format(final AtomicBuffer buffer, final int ringOffset, final int capacity) {
        if (!validCapacity(capacity)) {
            throw new IllegalArgumentException("message ring capacity must be a power of two between " + MIN_CAPACITY
                + " and " + MAX_CAPACITY + ", got " + capacity);
        }
        if (ringOffset < 0 || ringOffset % 64 != 0 || (long) ringOffset + ringLength(capacity) > buffer.capacity()) {
            throw new IllegalArgumentException("message ring of " + capacity + " bytes at " + ringOffset
                + " does not fit a region of " + buffer.capacity() + " bytes");
        }
        buffer.setMemory(ringOffset, ringLength(capacity), (byte) 0);
        buffer.putIntVolatile(ringOffset + CAPACITY_OFFSET, capacity);
        return new MessageRing(buffer, ringOffset, capacity);
    }

    /** Maps a ring the peer laid out at {@code ringOffset}; validates its header against the region. */
    public static MessageRing attach(final AtomicBuffer buffer, final long ringOffset)
        throws ProtocolViolationException {
        if (ringOffset < 0 || ringOffset % 64 != 0 || ringOffset + HEADER_LENGTH > buffer.capacity()) {
            throw new ProtocolViolationException("message ring at " + ringOffset + " lies outside the region of "
                + buffer.capacity() + " bytes");
        }
        final int capacity = buffer.getIntVolatile((int) ringOffset + CAPACITY_OFFSET);
        if (!validCapacity(capacity) || ringOffset + ringLength(capacity) > buffer.capacity()) {
            throw new ProtocolViolationException("message ring at " + ringOffset + " claims capacity "
                + Integer.toUnsignedString(capacity) + ", which a region of " + buffer.capacity()
                + " bytes cannot hold (a power of two between " + MIN_CAPACITY + " and " + MAX_CAPACITY + ")");
        }
        final MessageRing ring = new MessageRing(buffer, (int) ringOffset, capacity);
        ring.checkPositions(ring.knownHead, ring.producerTail);
        return ring;
    }

    private static boolean validCapacity(final int capacity) {
        return capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && Integer.bitCount(capacity) == 1;
    }

    /** Bytes of records this ring holds. */
    public int capacity() {
        return capacity;
    }

    /** The largest message {@link #offerData} takes. */
    public int maxDataLength() {
        return maxDataLength;
    }

    @Override
    public boolean offer(final int streamId, final int bufferOffset, final int status)
        throws ProtocolViolationException {
        return offerElement(streamId, bufferOffset, status, -1);
    }

    @Override
    public boolean offerMessage(final int streamId, final int bufferOffset, final long bytes)
        throws ProtocolViolationException {
        return offerElement(streamId, bufferOffset, QueueDescriptor.STATUS_OPEN, bytes);
    }

    private boolean offerElement(final int streamId, final int bufferOffset, final int status, final long bytes)
        throws ProtocolViolationException {
        // Records are published strictly in order (the consumer polls the next one only), so producers take a lock
        // held for a few stores, as the reference queue's do: see EventQueue.offer for why not claim-then-commit.
        synchronized (producerLock) {
            final int record = claim(ELEMENT_RECORD_LENGTH);
            if (record < 0) {
                return false;
            }
            buffer.putInt(record + RECORD_TYPE_OFFSET, TYPE_ELEMENT);
            buffer.putInt(record + STREAM_ID_OFFSET, streamId);
            buffer.putInt(record + ELEMENT_BUFFER_OFFSET_OFFSET, bufferOffset);
            buffer.putInt(record + ELEMENT_STATUS_OFFSET, status);
            commit(record, ELEMENT_RECORD_LENGTH);
            if (bytes >= 0) {
                count(bytes);
            }
        }
        return true;
    }

    /**
     * Producer: puts a message's {@code length} bytes (at most {@link #maxDataLength()}) in the ring itself.
     * False when the ring has no room for it now.
     */
    public boolean offerData(final int streamId, final DirectBuffer src, final int srcIndex, final int length)
        throws ProtocolViolationException {
        if (length < 0 || length > maxDataLength) {
            throw new IllegalArgumentException("a data record holds 0 to " + maxDataLength + " bytes, not "
                + length);
        }
        final int recordLength = DATA_OFFSET + length;
        synchronized (producerLock) {
            final int record = claim(recordLength);
            if (record < 0) {
                return false;
            }
            buffer.putInt(record + RECORD_TYPE_OFFSET, TYPE_DATA);
            buffer.putInt(record + STREAM_ID_OFFSET, streamId);
            buffer.putBytes(record + DATA_OFFSET, src, srcIndex, length);
            commit(record, recordLength);
            count(length);
        }
        return true;
    }

    /**
     * Under the producer lock: finds room for a record of {@code length} bytes (after a padding record if it would
     * cross the ring's end) and returns its index, or -1 when the ring is too full for it.
     */
    private int claim(final int length) throws ProtocolViolationException {
        final int size = aligned(length);
        final long tail = producerTail;
        final int offset = (int) tail & mask;
        final int contiguous = capacity - offset;
        final int padding = size > contiguous ? contiguous : 0;
        final long end = tail + padding + size;
        if (end - knownHead > capacity) {
            final long head = buffer.getLongVolatile(headIndex);
            checkPositions(head, tail);
            if (head < knownHead) {
                throw new ProtocolViolationException("peer moved the message ring's head back from " + knownHead
                    + " to " + head);
            }
            knownHead = head;
            if (end - head > capacity) {
                return -1;
            }
        }
        if (padding > 0) {
            final int paddingRecord = dataIndex + offset;
            buffer.putInt(paddingRecord + RECORD_TYPE_OFFSET, TYPE_PADDING);
            buffer.putIntOrdered(paddingRecord, padding);
            producerTail = tail + padding;
            return dataIndex;
        }
        return dataIndex + offset;
    }

    /** Under the producer lock: makes the record visible (its length last, release) and moves our tail past it. */
    private void commit(final int record, final int length) {
        buffer.putIntOrdered(record, length);
        producerTail += aligned(length);
        // Only diagnostics read it; the line stays ours.
        buffer.putLongOrdered(tailIndex, producerTail);
    }

    private void count(final long bytes) {
        MESSAGES_PUBLISHED.setOpaque(this, (long) MESSAGES_PUBLISHED.getOpaque(this) + 1);
        BYTES_PUBLISHED.setOpaque(this, (long) BYTES_PUBLISHED.getOpaque(this) + bytes);
    }

    @Override
    public int drain(final Handler handler, final int limit) throws ProtocolViolationException {
        final AtomicBuffer buffer = this.buffer;
        long head = consumerHead.acquire();
        int count = 0;
        // A legal ring has at most one padding record per lap; a peer writing nothing else cannot keep us here.
        int paddings = 0;
        while (count < limit && paddings <= 1) {
            final int offset = (int) head & mask;
            final int record = dataIndex + offset;
            // Acquire: the record's body was written before its length.
            final int length = buffer.getIntVolatile(record);
            if (length == 0) {
                break;
            }
            final int contiguous = capacity - offset;
            if (length < RECORD_HEADER_LENGTH || length > contiguous) {
                throw new ProtocolViolationException("message ring record at " + head + " claims " + length
                    + " bytes; " + contiguous + " remain before the ring's end");
            }
            final int type = buffer.getInt(record + RECORD_TYPE_OFFSET);
            if (type == TYPE_ELEMENT) {
                if (length != ELEMENT_RECORD_LENGTH) {
                    throw new ProtocolViolationException("message ring element record of " + length + " bytes at "
                        + head);
                }
                handler.onElement(buffer.getInt(record + STREAM_ID_OFFSET),
                    buffer.getInt(record + ELEMENT_BUFFER_OFFSET_OFFSET), buffer.getInt(record + ELEMENT_STATUS_OFFSET));
                count++;
            } else if (type == TYPE_DATA) {
                if (length < DATA_OFFSET) {
                    throw new ProtocolViolationException("message ring data record of " + length + " bytes at "
                        + head);
                }
                if (!handler.onData(buffer.getInt(record + STREAM_ID_OFFSET), buffer, record + DATA_OFFSET,
                    length - DATA_OFFSET)) {
                    break;
                }
                count++;
            } else if (type == TYPE_PADDING) {
                paddings++;
            } else {
                throw new ProtocolViolationException("message ring record of unknown type " + type + " at " + head);
            }
            // Zero what we consumed: the producer finds it empty when it comes round again.
            final int size = aligned(length);
            buffer.setMemory(record, size, (byte) 0);
            head += size;
            consumerHead.advance(head);
        }
        return count;
    }

    @Override
    public void publishHead() {
        consumerHead.publish();
    }

    @Override
    public boolean headUnpublished() {
        return consumerHead.unpublished();
    }

    @Override
    public boolean isEmpty() {
        final long head = consumerHead.acquire();
        return buffer.getIntVolatile(dataIndex + ((int) head & mask)) == 0;
    }

    @Override
    public long messagesPublished() {
        return (long) MESSAGES_PUBLISHED.getOpaque(this);
    }

    @Override
    public long bytesPublished() {
        return (long) BYTES_PUBLISHED.getOpaque(this);
    }

    @Override
    public boolean everUsed() {
        return buffer.getLongVolatile(tailIndex) > 0;
    }

    @Override
    public String describe() {
        final long tail = buffer.getLongVolatile(tailIndex);
        final long head = buffer.getLongVolatile(headIndex);
        return "message ring " + (tail - head) + "/" + capacity + " B (tail " + tail + ", head " + head + ")";
    }

    private void checkPositions(final long head, final long tail) throws ProtocolViolationException {
        if (head < 0 || tail - head < 0 || tail - head > capacity) {
            throw new ProtocolViolationException("message ring positions out of range: head " + head + ", tail "
                + tail + ", capacity " + capacity);
        }
    }
}
