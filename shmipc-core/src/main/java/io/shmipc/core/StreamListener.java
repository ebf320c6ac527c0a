package io.shmipc.core;

/**
 * Event-driven handling of a stream (every stream of a server started with {@link ShmServer#startEventDriven}, or
 * one given a listener with {@link Stream#listen}): called on the thread that
 * drains the session's receive queue, right after data for the stream arrived or the peer closed its side, so one
 * thread can serve every stream of a session without a hand-off per message.
 * <p>
 * Calls for one session never overlap. A listener must not block: it reads what {@link StreamReader#available()}
 * says is there (a read that would have to wait fails with {@link IllegalStateException}), keeps a partial message
 * for the next call, and may write and flush replies (a flush waits, up to the write timeout, only while the peer's
 * queue is full). An exception it throws closes that stream.
 */
@FunctionalInterface
public interface StreamListener {
    /**
     * Data arrived on {@code stream}, or its peer closed its side ({@link Stream#isRemoteClosed()}) or only shut
     * its output ({@link Stream#isPeerOutputShutdown()}: replies can still be written), or the session ended
     * ({@link Stream#isOpen()} false).
     */
    void onReadable(Stream stream);
}
