package io.shmipc.transport.remote;

import io.shmipc.transport.CallInfo;
import io.shmipc.transport.TransportKind;

import java.util.concurrent.CompletableFuture;

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
     * @return completes when the connection has closed.
     */
    CompletableFuture<Void> closeFuture();

    /**
     * Close the connection; idempotent.
     */
    void close();
}
