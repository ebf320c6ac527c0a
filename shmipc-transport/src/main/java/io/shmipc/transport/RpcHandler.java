package io.shmipc.transport;

import org.agrona.DirectBuffer;

/**
 * Serves calls on an {@link RpcServer}: takes the request payload (a Thrift struct in binary encoding, or any bytes
 * the two sides agree on) and returns the response payload. Runs on the server's executor, many calls at once; or,
 * when declared non-blocking ({@link ServerOptions.Builder#nonBlockingHandler}), on the thread that read the call.
 */
@FunctionalInterface
public interface RpcHandler
{
    /**
     * @param context the call's method, seq id, header info and path.
     * @param request the request payload, exactly {@code request.capacity()} bytes. It lives in the transport's
     *                memory (socket buffer or shared-memory slice) and is valid only until this method returns.
     * @return the response payload, {@code request.capacity()}-style: all of its capacity is sent. The transport has
     * copied it into the outbound frame before the executor thread runs anything else, so a thread-local buffer may
     * be reused. {@code null} sends an empty payload.
     * @throws Exception the client receives it as a {@link RemoteApplicationException} carrying the message; a
     *                   {@code RemoteApplicationException} thrown here is sent with its own type code and message.
     */
    DirectBuffer handle(RequestContext context, DirectBuffer request) throws Exception;
}
