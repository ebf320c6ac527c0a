package io.shmipc.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.queue.EventQueue;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_BUFFER_OFFSET_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_STATUS_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.ELEMENT_STREAM_ID_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.HEAD_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.TAIL_OFFSET;
import static io.shmipc.core.layout.QueueDescriptor.elementOffset;
import static io.shmipc.core.layout.QueueDescriptor.regionLength;
import static io.shmipc.core.layout.QueueDescriptor.ringLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Plays a hostile peer against the two rings of a queue region: between our offers and drains the input rewrites
 * any bytes of the region, publishes or consumes without regard to the rules, and we re-attach. Every call must
 * either do exactly what the indices in memory allow (checked against a model) or throw
 * {@link ProtocolViolationException}; no other exception, no unbounded loop.
 *
 * <p>Ring 0 is the one we consume (the peer produces), ring 1 the one we produce (the peer consumes). A view that
 * threw is dropped, as a session would close, and replaced by the next successful attach.
 *
 * <p>Input: one byte choosing the capacity, then operations of one byte each followed by their arguments.
 */
class EventQueueFuzzTest {
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 10_000;
    private static final int[] CAPACITIES = {16, 32, 48};
    /** One region per capacity, reused by every input: formatting both rings rewrites all of its bytes. */
    private static final UnsafeBuffer[] REGIONS = new UnsafeBuffer[CAPACITIES.length];
    private static final int MAX_OPERATIONS = 256;

    private UnsafeBuffer region;
    private int capacity;
    private int producerRing;
    private EventQueue consumer;
    private EventQueue producer;
    /** Model of the consumer view: the head it keeps for itself. */
    private long consumed;
    /** Model of the producer view: the next sequence it will claim. */
    private long claimed;

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldObeyTheIndicesOrReportAViolation(final byte[] data) throws Exception {
        final FuzzInput input = new FuzzInput(data);
        final int choice = input.below(CAPACITIES.length);
        capacity = CAPACITIES[choice];
        if (REGIONS[choice] == null) {
            REGIONS[choice] = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int) regionLength(capacity), 64));
        }
        region = REGIONS[choice];
        producerRing = (int) ringLength(capacity);
        EventQueue.format(region, 0, capacity);
        EventQueue.format(region, producerRing, capacity);
        attachConsumer();
        attachProducer();
        for (int operation = 0; operation < MAX_OPERATIONS && input.hasMore(); operation++) {
            switch (input.below(8)) {
                case 0 -> region.putInt(input.below(region.capacity() - 3), input.i32());
                case 1 -> peerWritesIndex(input);
                case 2 -> peerPublishes(input);
                case 3 -> region.putLong(producerRing + HEAD_OFFSET,
                    region.getLong(producerRing + HEAD_OFFSET) + input.below(capacity + 2));
                case 4 -> offer(input);
                case 5 -> drain(input);
                case 6 -> attachConsumer();
                default -> attachProducer();
            }
        }
    }

    /** The peer sets head or tail of either ring: near its current value, near an edge, or anything at all. */
    private void peerWritesIndex(final FuzzInput input) {
        final int ring = input.below(2) == 0 ? 0 : producerRing;
        final int index = ring + (input.below(2) == 0 ? HEAD_OFFSET : TAIL_OFFSET);
        final long value = switch (input.below(3)) {
            case 0 -> region.getLong(index) + (byte) input.u8();
            case 1 -> input.edgeLong();
            default -> input.i64();
        };
        region.putLong(index, value);
    }

    /** The peer writes elements at its tail of ring 0 and moves the tail, full or not. */
    private void peerPublishes(final FuzzInput input) {
        final int count = input.below(capacity + 2);
        long tail = region.getLong(TAIL_OFFSET);
        for (int i = 0; i < count; i++) {
            final int element = elementOffset(Math.max(tail, 0), capacity);
            region.putInt(element + ELEMENT_STREAM_ID_OFFSET, input.i32());
            region.putInt(element + ELEMENT_BUFFER_OFFSET_OFFSET, input.i32());
            region.putInt(element + ELEMENT_STATUS_OFFSET, input.u8());
            tail++;
        }
        region.putLong(TAIL_OFFSET, tail);
    }

    private void offer(final FuzzInput input) {
        final int streamId = input.i32();
        final int bufferOffset = input.i32();
        final int status = input.u8();
        if (producer == null) {
            return;
        }
        final long head = region.getLongVolatile(producerRing + HEAD_OFFSET);
        final long tail = region.getLongVolatile(producerRing + TAIL_OFFSET);
        if (tail < claimed) {
            // offer() would wait for earlier local claimants that do not exist. The wait is bounded by a spin count
            // (seconds of stall, reported as a finding in package-info), too slow for a fuzz execution.
            return;
        }
        final long used = claimed - head;
        try {
            final boolean offered = producer.offer(streamId, bufferOffset, status);
            assertTrue(used >= 0, "offered although head " + head + " is past our tail " + claimed);
            assertEquals(used < capacity, offered, "used " + used + " of " + capacity);
            if (offered) {
                assertEquals(claimed, tail, "published over a tail the peer moved ahead");
                final int element = producerRing + elementOffset(claimed, capacity);
                assertEquals(streamId, region.getInt(element + ELEMENT_STREAM_ID_OFFSET));
                assertEquals(bufferOffset, region.getInt(element + ELEMENT_BUFFER_OFFSET_OFFSET));
                assertEquals(status, region.getInt(element + ELEMENT_STATUS_OFFSET));
                claimed++;
                assertEquals(claimed, region.getLongVolatile(producerRing + TAIL_OFFSET));
            }
        } catch (final ProtocolViolationException e) {
            assertTrue(used < 0 || tail > claimed, "rejected a legal offer: " + e.getMessage());
            producer = null;
        }
    }

    private void drain(final FuzzInput input) {
        final int limit = input.below(2 * capacity + 2);
        if (consumer == null) {
            return;
        }
        final long tail = region.getLongVolatile(TAIL_OFFSET);
        final long available = tail - consumed;
        final List<int[]> expected = new ArrayList<>();
        for (long sequence = consumed; sequence < tail && sequence < consumed + limit; sequence++) {
            final int element = elementOffset(sequence, capacity);
            expected.add(new int[] {region.getInt(element + ELEMENT_STREAM_ID_OFFSET),
                region.getInt(element + ELEMENT_BUFFER_OFFSET_OFFSET), region.getInt(element + ELEMENT_STATUS_OFFSET)});
        }
        final List<int[]> handed = new ArrayList<>();
        try {
            final int count = consumer.drain((streamId, bufferOffset, status) -> {
                if (handed.size() >= limit) {
                    fail("drain handed over more than its limit " + limit);
                }
                handed.add(new int[] {streamId, bufferOffset, status});
            }, limit);
            consumer.publishHead();
            assertTrue(available >= 0 && available <= capacity, "drained with tail " + tail + ", head " + consumed);
            assertEquals(handed.size(), count);
            assertEquals(expected.size(), count);
            for (int i = 0; i < count; i++) {
                assertEquals(Arrays.toString(expected.get(i)), Arrays.toString(handed.get(i)));
            }
            if (count > 0) {
                consumed += count;
                assertEquals(consumed, region.getLongVolatile(HEAD_OFFSET), "head published");
            }
        } catch (final ProtocolViolationException e) {
            assertTrue(available < 0 || available > capacity || consumed < 0,
                "rejected a legal drain: " + e.getMessage());
            consumer = null;
        }
    }

    private void attachConsumer() {
        try {
            consumer = EventQueue.attach(region, 0, capacity);
            consumed = region.getLongVolatile(HEAD_OFFSET);
        } catch (final ProtocolViolationException e) {
            consumer = null;
        }
    }

    private void attachProducer() {
        try {
            producer = EventQueue.attach(region, producerRing, capacity);
            claimed = region.getLongVolatile(producerRing + TAIL_OFFSET);
        } catch (final ProtocolViolationException e) {
            producer = null;
        }
    }
}
