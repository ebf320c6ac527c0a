package io.shmipc.core.queue;

import io.shmipc.core.ProtocolViolationException;
import org.agrona.DirectBuffer;

/**
 * What a session sends its messages through and drains them from: the reference queue ring ({@link EventQueue}),
 * or, between two shmipc-java peers, a {@link MessageRing} that also carries small messages' bytes. A process is
 * either the producer of one (many local threads may offer at once) or its single consumer (one local thread
 * drains at a time).
 */
public interface MessageQueue {
    /** Receives what {@link #drain} finds. */
    interface Handler extends EventQueue.ElementHandler {
        /**
         * A message carried in the queue itself: {@code length} bytes at {@code index} of {@code buffer}, valid
         * only during the call (the caller copies what it keeps).
         *
         * @return false to leave it where it is (no room to copy it to now): the drain stops before it, and a later
         * drain hands it over again.
         */
        boolean onData(int streamId, DirectBuffer buffer, int index, int length) throws ProtocolViolationException;
    }

    /** Producer: puts one element (a chain's first slice, or a close or half-close); false when full. */
    boolean offer(int streamId, int bufferOffset, int status) throws ProtocolViolationException;

    /** Producer: puts the element of a message of {@code bytes} bytes, counted in the published totals. */
    boolean offerMessage(int streamId, int bufferOffset, long bytes) throws ProtocolViolationException;

    /** Consumer: hands up to {@code limit} entries to the handler; returns how many. */
    int drain(Handler handler, int limit) throws ProtocolViolationException;

    /** Consumer: tells the producer how far we consumed (only the draining thread calls it). */
    void publishHead();

    /** Consumer: true if {@link #publishHead()} has something to publish. */
    boolean headUnpublished();

    /** Consumer: true when there is nothing to drain. */
    boolean isEmpty();

    /** Producer: messages published. */
    long messagesPublished();

    /** Producer: bytes of the messages published. */
    long bytesPublished();

    /** True once anything was ever published to it. */
    boolean everUsed();

    /** One line for a debug dump: what is queued and the capacity. */
    String describe();
}
