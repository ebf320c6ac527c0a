package io.shmipc.transport;

import org.agrona.DirectBuffer;

import java.util.concurrent.CompletionStage;

/**
 * Serves calls on an {@link RpcServer} that answer later: the handler starts the work (a call to another service,
 * a query) and returns at once with a stage that completes with the response payload. No server thread waits for
 * the answer, so a proxy or a service that calls others holds no thread per call in flight. Built with
 * {@link ServerOptions#asyncBuilder(AsyncRpcHandler)}; {@link #handle} runs on the thread that read the call unless
 * {@link ServerOptions.Builder#nonBlockingHandler} is turned off (then on the executor).
 */
@FunctionalInterface
public interface AsyncRpcHandler
{
    /**
     * @param context the call's method, seq id, header info and path; valid until the returned stage completes.
     * @param request the request payload, exactly {@code request.capacity()} bytes, in the transport's memory
     *                (socket buffer or shared-memory slice); valid until the returned stage completes, so the work
     *                may read it later without copying.
     * @return completes with the response payload (all of its capacity is sent, copied into the outbound frame on
     * the completing thread; {@code null} sends an empty payload), or exceptionally as {@link RpcHandler#handle}
     * throws: a {@link RemoteApplicationException} is sent with its own type code and message, anything else as an
     * internal error carrying its text. The call is counted in flight (and a graceful shutdown waits for it) until
     * then.
     * @throws Exception as completing exceptionally.
     */
    CompletionStage<DirectBuffer> handle(RequestContext context, DirectBuffer request) throws Exception;
}
