package io.shmipc.transport.thrift;

import io.shmipc.examples.thrift.gen.Echo;
import org.apache.thrift.server.TThreadPoolServer;

import java.nio.file.Path;

/**
 * A server process for the cross-process Thrift test: the generated {@code Echo} service on a
 * {@code TThreadPoolServer} over {@link TShmServerTransport} at {@code args[0]}, raw Thrift binary. Prints
 * {@code READY} when listening and stops when its standard input closes.
 */
public final class ThriftShmServerMain
{
    static final String READY = "READY";

    private ThriftShmServerMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final TShmServerTransport transport = new TShmServerTransport(Path.of(args[0]));
        final TThreadPoolServer server = new TThreadPoolServer(new TThreadPoolServer.Args(transport)
            .processor(new Echo.Processor<>(new EchoHandler())).minWorkerThreads(2).maxWorkerThreads(8));
        transport.listen();
        final Thread serving = new Thread(server::serve, "thrift-serve");
        serving.start();
        System.out.println(READY);
        System.out.flush();
        while (System.in.read() != -1)
        {
            // Wait for the parent to close our stdin.
        }
        server.stop();
        serving.join(10_000);
    }
}
