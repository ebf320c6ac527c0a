package io.shmipc.bench.spi;

/**
 * The client end of one transport, with {@link TransportSettings#streams()} independent streams (connections,
 * logical streams over one session, or pending calls). Used from one thread only.
 * <p>
 * Requests and responses are the same length. On each stream responses arrive in request order; the harness
 * pipelines by sending on several streams before receiving on each of them in turn.
 */
public interface BenchClient extends AutoCloseable
{
    /**
     * Sends one request of {@code length} bytes on {@code stream}; the payload is written by {@code writer}
     * straight into the transport's outgoing buffer where it can.
     *
     * @param stream stream index, {@code 0 <= stream < streams}.
     * @param length payload length in bytes.
     * @param writer fills the payload.
     * @throws Exception on a transport failure or timeout.
     */
    void send(int stream, int length, PayloadWriter writer) throws Exception;

    /**
     * Waits for the next response on {@code stream} and shows it to {@code reader}, which must not keep the buffer.
     *
     * @param stream stream index.
     * @param reader reads (verifies) the payload.
     * @throws Exception on a transport failure, a timeout or a payload that fails verification.
     */
    void receive(int stream, PayloadReader reader) throws Exception;

    /**
     * Closes every stream and releases resources. Idempotent.
     */
    @Override
    void close();
}
