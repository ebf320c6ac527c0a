package io.shmipc.core.queue;

import io.shmipc.core.Hex;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.MessageRingDescriptor;
import io.shmipc.core.layout.QueueDescriptor;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.shmipc.core.layout.MessageRingDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.MessageRingDescriptor.HEAD_OFFSET;
import static io.shmipc.core.layout.MessageRingDescriptor.MIN_CAPACITY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageRingTest {
    private static final int CAPACITY = MIN_CAPACITY;

    private static UnsafeBuffer region(final int bytes) {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, 64));
    }

    private static UnsafeBuffer bytes(final String text) {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Records what a drain hands over: "e:stream:offset:status" or "d:stream:text". */
    private static class Recorder implements MessageQueue.Handler {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onElement(final int streamId, final int bufferOffset, final int status) {
            seen.add("e:" + streamId + ":" + bufferOffset + ":" + status);
        }

        @Override
        public boolean onData(final int streamId, final DirectBuffer buffer, final int index, final int length) {
            seen.add("d:" + streamId + ":" + buffer.getStringWithoutLengthAscii(index, length));
            return true;
        }
    }

    @Test
    void shouldWriteTheDocumentedHeaderAndRecordLayout() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing ring = MessageRing.format(region, 0, CAPACITY);
        assertEquals(Hex.compact("00100000 | 00000000 | 0000000000000000"), Hex.of(region, 0, 16));
        assertTrue(ring.offer(5, 0x1234, QueueDescriptor.STATUS_HALF_CLOSED));
        assertTrue(ring.offerData(7, bytes("abc"), 0, 3));
        // tail: one element record (20 bytes, 24 aligned) and one data record (15 bytes, 16 aligned)
        assertEquals(Hex.compact("00100000 | 00000000 | 2800000000000000"), Hex.of(region, 0, 16));
        assertEquals(Hex.compact("14000000 | 01000000 | 05000000 | 34120000 | 02000000 | 00000000"),
            Hex.of(region, HEADER_LENGTH, 24));
        assertEquals(Hex.compact("0f000000 | 02000000 | 07000000 | 616263 | 00"), Hex.of(region, HEADER_LENGTH + 24, 16));
        assertEquals(CAPACITY / 4 - 12, ring.maxDataLength());
        assertEquals(64, MessageRingDescriptor.ringsOffset(50), "after the 8-byte header and 50 bytes of lists");
        assertEquals(128 << 10, MessageRingDescriptor.capacityFor(32L << 20));
        assertEquals(4 << 10, MessageRingDescriptor.capacityFor(300_000));
        assertEquals(0, MessageRingDescriptor.capacityFor(200_000), "too small a region gets no rings");
    }

    @Test
    void shouldDeliverInOrderZeroWhatItConsumedAndPublishTheHeadOnlyWhenAsked() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing producer = MessageRing.format(region, 0, CAPACITY);
        final MessageRing consumer = MessageRing.attach(region, 0);
        assertTrue(consumer.isEmpty());
        assertTrue(producer.offerMessage(3, 4096, 100));
        assertTrue(producer.offerData(3, bytes("hello"), 0, 5));
        assertTrue(producer.offer(3, 0, QueueDescriptor.STATUS_CLOSED));
        assertFalse(consumer.isEmpty());
        final Recorder recorder = new Recorder();
        assertEquals(2, consumer.drain(recorder, 2));
        assertEquals(1, consumer.drain(recorder, 10));
        assertEquals(List.of("e:3:4096:0", "d:3:hello", "e:3:0:1"), recorder.seen);
        assertTrue(consumer.isEmpty());
        for (int i = 0; i < 24 + 24 + 24; i++) {
            assertEquals(0, region.getByte(HEADER_LENGTH + i), "consumed byte " + i + " zeroed");
        }
        assertEquals(0, region.getLong(HEAD_OFFSET), "the head waits for publishHead");
        assertTrue(consumer.headUnpublished());
        consumer.publishHead();
        assertEquals(72, region.getLong(HEAD_OFFSET));
        assertFalse(consumer.headUnpublished());
        assertEquals(2, producer.messagesPublished());
        assertEquals(105, producer.bytesPublished());
    }

    @Test
    void shouldLeaveADataRecordTheHandlerHasNoRoomForAndHandItOverAgainLater() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing producer = MessageRing.format(region, 0, CAPACITY);
        final MessageRing consumer = MessageRing.attach(region, 0);
        assertTrue(producer.offer(1, 4096, 0));
        assertTrue(producer.offerData(1, bytes("held"), 0, 4));
        assertTrue(producer.offerData(1, bytes("next"), 0, 4));
        final Recorder refusing = new Recorder() {
            @Override
            public boolean onData(final int streamId, final DirectBuffer buffer, final int index, final int length) {
                return false;
            }
        };
        assertEquals(1, consumer.drain(refusing, 10), "the element goes, the data record stays");
        assertFalse(consumer.isEmpty());
        assertEquals(0, consumer.drain(refusing, 10), "still there");
        final Recorder recorder = new Recorder();
        assertEquals(2, consumer.drain(recorder, 10));
        assertEquals(List.of("d:1:held", "d:1:next"), recorder.seen);
        assertTrue(consumer.isEmpty());
    }

    @Test
    void shouldReportFullAndFindRoomOnlyOnceTheHeadIsPublished() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing producer = MessageRing.format(region, 0, CAPACITY);
        final MessageRing consumer = MessageRing.attach(region, 0);
        final UnsafeBuffer big = new UnsafeBuffer(new byte[producer.maxDataLength()]);
        // Four records of a quarter each fill the ring exactly; a fifth finds no room.
        for (int i = 0; i < 4; i++) {
            assertTrue(producer.offerData(1, big, 0, big.capacity()), "record " + i);
        }
        assertFalse(producer.offerData(1, big, 0, 1), "full");
        assertFalse(producer.offer(1, 0, 0), "full for elements too");
        assertEquals(1, consumer.drain(new Recorder(), 1));
        assertFalse(producer.offerData(1, big, 0, 1), "room is known only once the head is published");
        consumer.publishHead();
        assertTrue(producer.offerData(1, big, 0, 1));
    }

    @Test
    void shouldPadAtTheEndAndGoOnAtTheStart() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing producer = MessageRing.format(region, 0, CAPACITY);
        final MessageRing consumer = MessageRing.attach(region, 0);
        final int max = producer.maxDataLength();
        final UnsafeBuffer big = new UnsafeBuffer(new byte[max]);
        for (int i = 0; i < 3; i++) {
            big.putByte(0, (byte) ('0' + i));
            assertTrue(producer.offerData(1, big, 0, max));
        }
        assertTrue(producer.offerData(1, bytes("smallone"), 0, 8));
        // 3 x 1024 + 24 bytes used: the next 1024-byte record does not fit the 1000 bytes before the end.
        big.putByte(0, (byte) '3');
        assertFalse(producer.offerData(1, big, 0, max), "padding and record need the first record's room");
        final Recorder recorder = new Recorder();
        assertEquals(1, consumer.drain(recorder, 1));
        consumer.publishHead();
        assertTrue(producer.offerData(1, big, 0, max));
        assertEquals(1000, region.getInt(HEADER_LENGTH + 3096), "a padding record fills the ring to its end");
        assertEquals(MessageRingDescriptor.TYPE_PADDING, region.getInt(HEADER_LENGTH + 3096 + 4));
        assertEquals(4, consumer.drain(recorder, 10), "the padding record is skipped, not handed over");
        assertEquals(List.of("0", "1", "2", "smallone", "3"),
            recorder.seen.stream().map(seen -> seen.substring(4).replace("\0", "")).toList());
        assertTrue(consumer.isEmpty());
    }

    @Test
    void shouldRefuseRecordsThatBreakTheRules() throws Exception {
        assertViolation(region -> region.putInt(HEADER_LENGTH, CAPACITY + 8), "claims");
        assertViolation(region -> region.putInt(HEADER_LENGTH, 4), "claims 4 bytes");
        assertViolation(region -> {
            region.putInt(HEADER_LENGTH + 4, 9);
            region.putInt(HEADER_LENGTH, 16);
        }, "unknown type 9");
        assertViolation(region -> {
            region.putInt(HEADER_LENGTH + 4, MessageRingDescriptor.TYPE_ELEMENT);
            region.putInt(HEADER_LENGTH, 28);
        }, "element record of 28 bytes");
        assertViolation(region -> {
            region.putInt(HEADER_LENGTH + 4, MessageRingDescriptor.TYPE_DATA);
            region.putInt(HEADER_LENGTH, 10);
        }, "data record of 10 bytes");
    }

    private interface Corruption {
        void apply(UnsafeBuffer region);
    }

    private static void assertViolation(final Corruption corruption, final String message) throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        MessageRing.format(region, 0, CAPACITY);
        final MessageRing consumer = MessageRing.attach(region, 0);
        corruption.apply(region);
        final ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
            () -> consumer.drain(new Recorder(), 10));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void shouldRefuseAHeadTheConsumerMovedOutOfRange() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing producer = MessageRing.format(region, 0, CAPACITY);
        final UnsafeBuffer big = new UnsafeBuffer(new byte[producer.maxDataLength()]);
        for (int i = 0; i < 4; i++) {
            assertTrue(producer.offerData(1, big, 0, big.capacity()));
        }
        region.putLong(HEAD_OFFSET, CAPACITY * 3L);
        assertThrows(ProtocolViolationException.class, () -> producer.offerData(1, big, 0, 1), "head past our tail");
        region.putLong(HEAD_OFFSET, -8);
        assertThrows(ProtocolViolationException.class, () -> producer.offerData(1, big, 0, 1), "negative head");
        assertThrows(IllegalArgumentException.class, () -> producer.offerData(1, big, 0, producer.maxDataLength() + 1));
    }

    @Test
    void shouldRefuseToAttachARingThatDoesNotFitOrHasABadCapacity() {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        MessageRing.format(region, 0, CAPACITY);
        region.putInt(0, CAPACITY * 2);
        assertThrows(ProtocolViolationException.class, () -> MessageRing.attach(region, 0), "larger than the region");
        region.putInt(0, CAPACITY + 8);
        assertThrows(ProtocolViolationException.class, () -> MessageRing.attach(region, 0), "not a power of two");
        region.putInt(0, CAPACITY);
        assertThrows(ProtocolViolationException.class, () -> MessageRing.attach(region, 64), "runs past the end");
        assertThrows(ProtocolViolationException.class, () -> MessageRing.attach(region, 8), "misaligned");
        region.putLong(MessageRingDescriptor.TAIL_OFFSET, 16);
        region.putLong(HEAD_OFFSET, 24);
        assertThrows(ProtocolViolationException.class, () -> MessageRing.attach(region, 0), "head past tail");
    }

    @Test
    void shouldKeepEachProducersOrderWithManyProducerThreads() throws Exception {
        final UnsafeBuffer region = region(MessageRingDescriptor.ringLength(CAPACITY));
        final MessageRing producer = MessageRing.format(region, 0, CAPACITY);
        final MessageRing consumer = MessageRing.attach(region, 0);
        final int threads = 4;
        final int perThread = 20_000;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            final Thread thread = new Thread(() -> {
                final UnsafeBuffer message = new UnsafeBuffer(new byte[4 + id * 8]);
                try {
                    for (int i = 0; i < perThread && System.nanoTime() < deadline; i++) {
                        message.putInt(0, i);
                        // elements and data records interleave; both carry the sequence
                        final boolean sent = (i & 1) == 0 ? producer.offerData(id, message, 0, message.capacity())
                            : producer.offer(id, i, 0);
                        if (!sent) {
                            i--;
                            Thread.onSpinWait();
                        }
                    }
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            producers.add(thread);
            thread.start();
        }
        final int[] next = new int[threads];
        final MessageQueue.Handler checker = new MessageQueue.Handler() {
            @Override
            public void onElement(final int streamId, final int bufferOffset, final int status) {
                check(streamId, bufferOffset);
            }

            @Override
            public boolean onData(final int streamId, final DirectBuffer buffer, final int index, final int length) {
                assertEquals(4 + streamId * 8, length);
                check(streamId, buffer.getInt(index));
                return true;
            }

            private void check(final int streamId, final int sequence) {
                if (sequence != next[streamId]) {
                    failure.compareAndSet(null, new AssertionError("producer " + streamId + " sent " + sequence
                        + " where " + next[streamId] + " was due"));
                }
                next[streamId]++;
            }
        };
        int received = 0;
        while (received < threads * perThread && failure.get() == null && System.nanoTime() < deadline) {
            final int n = consumer.drain(checker, 64);
            consumer.publishHead();
            received += n;
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        for (final Thread thread : producers) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertNull(failure.get());
        assertEquals(threads * perThread, received);
        assertArrayEquals(new int[] {perThread, perThread, perThread, perThread}, next);
    }
}
