package io.shmipc.transport.remote;

import io.shmipc.transport.CallInfo;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.codec.RepeatedHeadDecoder;

import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One transport connection (a TCP channel, a shared-memory stream) as the {@link TransHandler} sees it: a place to
 * write frames and a source of received frames. Implementations are thread-safe; frames written concurrently are
 * not interleaved.
 */
public interface Connection
{
    /**
     * @return the transport this connection uses.
     */
    TransportKind kind();

    /**
     * @return the address of the peer: the address dialled on a client, the peer's address on a server.
     */
    String remoteAddress();

    /**
     * @return the path this connection represents, stamped onto every message it carries.
     */
    CallInfo callInfo();

    /**
     * @return {@code true} until the connection is closed by either side.
     */
    boolean isActive();

    /**
     * Reserve {@code frameLength} bytes of the transport's own outbound memory, let {@code writer} encode the frame
     * straight into them and send it. No intermediate copy is made. {@code writer} has run by the time this method
     * returns, so the buffers it reads from may be reused afterwards.
     *
     * @param frameLength exact bytes {@code writer} will write.
     * @param writer      encodes the frame.
     * @return completes when the transport has taken the frame, exceptionally when it could not.
     */
    CompletableFuture<Void> writeFrame(int frameLength, FrameWriter writer);

    /**
     * @param thread a thread, or {@code null}.
     * @return whether {@code thread} is delivering this connection's frames right now (running an event-driven
     * listener): a call waiting on that thread for a reply on this connection would wait for itself.
     */
    default boolean isReadBy(final Thread thread)
    {
        return false;
    }

    /**
     * Read and handle frames on the calling thread until {@code done} completes or the deadline passes, saving the
     * hand-off from an I/O thread to the caller. Frames of other calls that arrive meanwhile are handled too.
     *
     * @param done          whether the caller's call is over.
     * @param deadlineNanos {@link System#nanoTime()} after which to stop reading.
     * @param timeoutNanos  the whole time the call was given, which bounds the first wait without a clock read (the
     *                      call started a moment ago).
     * @return {@code false} at once when this transport does not read on callers' threads or another thread is
     * reading now (which then handles the reply); {@code true} after reading.
     */
    default boolean readUntil(final BooleanSupplier done, final long deadlineNanos, final long timeoutNanos)
    {
        return false;
    }

    /**
     * @return whether each received frame is handed to the handler on a thread that has already passed reading on
     * to another one (leader/follower), so a server serves the call right there instead of handing it to its
     * executor: one thread hand-off less per call.
     */
    default boolean servesOnReadingThread()
    {
        return false;
    }

    /**
     * @return this connection's frame decoder, which remembers the last head it decoded, or {@code null} to decode
     * every frame in full.
     */
    default RepeatedHeadDecoder frameDecoder()
    {
        return null;
    }

    /**
     * @return completes when the connection has closed.
     */
    CompletableFuture<Void> closeFuture();

    /**
     * Close the connection; idempotent.
     */
    void close();
}
