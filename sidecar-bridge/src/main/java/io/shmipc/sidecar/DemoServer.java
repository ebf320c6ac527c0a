package io.shmipc.sidecar;

import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.codec.StringInfoKeys;

import java.util.concurrent.CountDownLatch;

/**
 * {@code ./shmipc sidecar demo-server [HOST:PORT]}: a plain TCP echo service standing in for a remote service of
 * the mesh. Answers every call with its payload and reports the {@code rip} it saw in a reply key. Runs until
 * stopped.
 */
final class DemoServer
{
    static final String DEFAULT_LISTEN = "127.0.0.1:9000";
    static final String SEEN_RIP = "seen-rip";

    private DemoServer()
    {
    }

    static void run(final String[] args) throws InterruptedException
    {
        final String listen = args.length > 0 ? args[0] : DEFAULT_LISTEN;
        final ServerOptions.Builder options = ServerOptions.builder((context, request) ->
        {
            final String rip = context.stringInfo().get(StringInfoKeys.REMOTE_IP);
            if (rip != null)
            {
                context.putResponseStringInfo(SEEN_RIP, rip);
            }
            return request;
        }).tcpAddress(listen);
        options.shm().enabled(false);
        final RpcServer server = RpcServer.start(options.build());
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            server.close();
            stopped.countDown();
        }, "demo-server-stop"));
        System.out.println("demo-server: echo service on TCP " + server.tcpAddress());
        stopped.await();
    }
}
