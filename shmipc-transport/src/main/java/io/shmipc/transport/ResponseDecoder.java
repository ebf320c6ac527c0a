package io.shmipc.transport;

/**
 * Turns a reply into the caller's result while the reply still sits in the transport's memory, so nothing is
 * copied. Runs on the transport's I/O thread: keep it short and do not block.
 *
 * @param <T> the result type.
 */
@FunctionalInterface
public interface ResponseDecoder<T>
{
    /**
     * @param response the reply; its payload is valid only until this method returns.
     * @return the result the call's future completes with.
     */
    T decode(Response response);
}
