package io.shmipc.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.MessageRingDescriptor;
import io.shmipc.core.queue.MessageQueue;
import io.shmipc.core.queue.MessageRing;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.shmipc.core.layout.MessageRingDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.MessageRingDescriptor.HEAD_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.MIN_CAPACITY;
import static io.shmipc.core.layout.MessageRingDescriptor.TAIL_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.ringLength;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Plays a hostile peer against the two message rings of a session (docs/PROTOCOL.md 12): between our offers and
 * drains the input writes well-formed records, or any bytes at all, into the ring we consume, and moves the head of
 * the ring we produce anywhere. Every call must return normally or throw {@link ProtocolViolationException}; a
 * record handed over must lie inside the ring's data, and a drain hands over at most its limit. A view that threw
 * is dropped, as a session would close, and attached again by a later operation.
 *
 * <p>Input: operations of one byte each followed by their arguments.
 */
class MessageRingFuzzTest {
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 10_000;
    private static final int CAPACITY = MIN_CAPACITY;
    private static final int PRODUCER_RING = ringLength(CAPACITY);
    private static final UnsafeBuffer REGION =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(2 * ringLength(CAPACITY), 64));
    private static final int MAX_OPERATIONS = 256;
    private static final UnsafeBuffer PAYLOAD = new UnsafeBuffer(new byte[CAPACITY]);

    private MessageRing consumer;
    private MessageRing producer;
    /** Where the peer writes its next record in the ring we consume. */
    private long peerTail;

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldDeliverOnlyRecordsInsideTheRingOrReportAViolation(final byte[] data) throws Exception {
        final FuzzInput input = new FuzzInput(data);
        MessageRing.format(REGION, 0, CAPACITY);
        MessageRing.format(REGION, PRODUCER_RING, CAPACITY);
        peerTail = 0;
        consumer = attach(0);
        producer = attach(PRODUCER_RING);
        for (int operation = 0; operation < MAX_OPERATIONS && input.hasMore(); operation++) {
            switch (input.below(7)) {
                case 0 -> REGION.putInt(input.below(REGION.capacity() - 3), input.edgeInt());
                case 1 -> peerPublishes(input);
                case 2 -> REGION.putLong(PRODUCER_RING + HEAD_OFFSET, input.below(3) == 0 ? input.edgeLong()
                    : REGION.getLong(PRODUCER_RING + TAIL_OFFSET) - input.below(CAPACITY + 64));
                case 3 -> offer(input);
                case 4 -> drain(input);
                case 5 -> consumer = consumer == null ? attach(0) : consumer;
                default -> producer = producer == null ? attach(PRODUCER_RING) : producer;
            }
        }
    }

    /** The peer writes a record as the protocol says (of a type and length the input picks) at its tail. */
    private void peerPublishes(final FuzzInput input) {
        final int type = input.below(4);
        final int length = switch (type) {
            case MessageRingDescriptor.TYPE_ELEMENT -> MessageRingDescriptor.ELEMENT_RECORD_LENGTH;
            case MessageRingDescriptor.TYPE_DATA -> MessageRingDescriptor.DATA_OFFSET + input.below(CAPACITY / 2);
            default -> 8 + input.below(CAPACITY);
        };
        final int offset = (int) (peerTail & (CAPACITY - 1));
        if (offset + length > CAPACITY) {
            peerTail += CAPACITY - offset;
            return;
        }
        final int record = HEADER_LENGTH + offset;
        REGION.putInt(record + 4, type);
        REGION.putInt(record + 8, input.i32());
        REGION.putIntOrdered(record, length);
        peerTail += MessageRingDescriptor.aligned(length);
    }

    private void offer(final FuzzInput input) {
        final int kind = input.below(2);
        final int length = input.below(CAPACITY / 4);
        if (producer == null) {
            return;
        }
        try {
            if (kind == 0) {
                producer.offer(input.i32(), input.i32(), input.u8());
            } else if (length <= producer.maxDataLength()) {
                producer.offerData(input.i32(), PAYLOAD, 0, length);
            }
        } catch (final ProtocolViolationException e) {
            producer = null;
        }
    }

    private void drain(final FuzzInput input) {
        final int limit = 1 + input.below(64);
        if (consumer == null) {
            return;
        }
        final int[] handed = new int[1];
        final int dataStart = HEADER_LENGTH;
        final int dataEnd = HEADER_LENGTH + CAPACITY;
        try {
            final int count = consumer.drain(new MessageQueue.Handler() {
                @Override
                public void onElement(final int streamId, final int bufferOffset, final int status) {
                    handed[0]++;
                }

                @Override
                public boolean onData(final int streamId, final DirectBuffer buffer, final int index, final int length) {
                    handed[0]++;
                    if (index < dataStart || length < 0 || index + length > dataEnd) {
                        fail("record of " + length + " bytes at " + index + " lies outside the ring's data");
                    }
                    buffer.getByte(index + Math.max(0, length - 1));
                    return true;
                }
            }, limit);
            consumer.publishHead();
            assertTrue(count == handed[0] && count <= limit, "handed " + handed[0] + ", counted " + count);
        } catch (final ProtocolViolationException e) {
            consumer = null;
        }
    }

    private static MessageRing attach(final int offset) {
        try {
            return MessageRing.attach(REGION, offset);
        } catch (final ProtocolViolationException e) {
            return null;
        }
    }
}
