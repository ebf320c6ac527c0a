package io.shmipc.examples.thrift;

import io.shmipc.examples.thrift.gen.Echo;
import io.shmipc.examples.thrift.gen.EchoError;
import io.shmipc.transport.thrift.TShmServerTransport;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code EchoServer <control socket> [tcp port] [--stop-on-stdin-eof]}: the generated {@code Echo} processor,
 * unchanged, on a {@code TThreadPoolServer} over shared memory ({@link TShmServerTransport}) and, when a port is
 * given, on a second one over TCP ({@code TServerSocket}). Prints {@code READY} and serves until the process is
 * stopped (or, with the flag, until its stdin closes).
 */
public final class EchoServer
{
    private static final String STOP_ON_STDIN_EOF = "--stop-on-stdin-eof";

    private EchoServer()
    {
    }

    /** The service: plain generated-interface code, nothing shared-memory specific. */
    static final class Handler implements Echo.Iface
    {
        @Override
        public ByteBuffer echo(final ByteBuffer data)
        {
            return data;
        }

        @Override
        public int add(final int a, final int b)
        {
            return a + b;
        }

        @Override
        public String fail(final String reason) throws EchoError
        {
            throw new EchoError(reason);
        }
    }

    public static void main(final String[] args) throws Exception
    {
        final boolean stopOnStdinEof = Arrays.asList(args).contains(STOP_ON_STDIN_EOF);
        final String[] positional = Arrays.stream(args).filter(a -> !a.equals(STOP_ON_STDIN_EOF))
            .toArray(String[]::new);
        if (positional.length < 1)
        {
            System.err.println("usage: EchoServer <control socket path> [tcp port] [" + STOP_ON_STDIN_EOF + "]");
            System.exit(2);
        }
        final Echo.Processor<Handler> processor = new Echo.Processor<>(new Handler());
        final TShmServerTransport shm = new TShmServerTransport(Path.of(positional[0]));
        shm.listen();
        final TServer shmServer = new TThreadPoolServer(new TThreadPoolServer.Args(shm).processor(processor));
        start(shmServer, "thrift-shm");
        TServer tcpServer = null;
        if (positional.length > 1)
        {
            final TServerSocket tcp = new TServerSocket(
                new InetSocketAddress("127.0.0.1", Integer.parseInt(positional[1])));
            tcpServer = new TThreadPoolServer(new TThreadPoolServer.Args(tcp).processor(processor));
            start(tcpServer, "thrift-tcp");
        }
        System.out.println("READY");
        System.out.flush();
        if (!stopOnStdinEof)
        {
            new CountDownLatch(1).await();
        }
        while (System.in.read() != -1)
        {
            // Serve until stdin closes.
        }
        shmServer.stop();
        if (tcpServer != null)
        {
            tcpServer.stop();
        }
    }

    private static void start(final TServer server, final String name)
    {
        final Thread thread = new Thread(server::serve, name);
        thread.setDaemon(true);
        thread.start();
    }
}
