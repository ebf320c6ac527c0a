package io.shmipc.bench.spi;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Serves one request: verifies it and writes a response of the same length. One instance per connection or
 * stream, so an implementation may keep per-connection state (e.g. a downstream client) without locking.
 */
public interface RequestHandler extends AutoCloseable
{
    /**
     * @param request        the request's buffer (may be shared memory; valid only during this call).
     * @param requestOffset  where the request starts.
     * @param length         request length, which is also the response length.
     * @param response       where to write the response.
     * @param responseOffset where the response starts.
     */
    void onRequest(
        DirectBuffer request, int requestOffset, int length, MutableDirectBuffer response, int responseOffset);

    /**
     * Releases per-connection resources. Idempotent.
     */
    @Override
    default void close()
    {
    }

    /**
     * Makes one handler per accepted connection or stream.
     */
    @FunctionalInterface
    interface Factory
    {
        /**
         * @return a new handler.
         */
        RequestHandler newHandler();

        /**
         * @return true if handlers wait on something (e.g. a downstream call), so a transport must not run them on a
         *         thread that serves other connections.
         */
        default boolean handlersBlock()
        {
            return false;
        }

        /**
         * @param factory makes handlers that wait on something.
         * @return the same factory, marked as making blocking handlers.
         */
        static Factory blocking(final Factory factory)
        {
            return new Factory()
            {
                @Override
                public RequestHandler newHandler()
                {
                    return factory.newHandler();
                }

                @Override
                public boolean handlersBlock()
                {
                    return true;
                }
            };
        }
    }
}
