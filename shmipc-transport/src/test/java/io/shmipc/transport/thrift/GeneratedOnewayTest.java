package io.shmipc.transport.thrift;

import io.shmipc.transport.RequestContext;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.thrift.gen.Notifier;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.thrift.TBase;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TSimpleServer;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generated Apache Thrift client's {@code oneway} method reaches an {@link RpcServer} through the drop-in
 * transports, over TCP ({@link TTHeaderTransport} on a {@code TSocket}) and over shared memory ({@link
 * TTHeaderTransport} on a {@link TShmTransport}): the server handles each message and sends nothing back, so the
 * call that follows reads its own reply. A raw {@link TShmTransport} reaches a generated processor on
 * {@code TSimpleServer} over {@link TShmServerTransport} the same way.
 */
@Timeout(60)
class GeneratedOnewayTest
{
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;
    private static final int MESSAGES = 50;

    @TempDir
    Path dir;

    private final List<Notifier.post_args> posted = new CopyOnWriteArrayList<>();
    private RpcServer server;

    @BeforeEach
    void start()
    {
        final ServerOptions.Builder builder = ServerOptions.builder(this::serve)
            .nonBlockingHandler(true)
            .drainTimeout(Duration.ofSeconds(1));
        builder.shm().enabled(true).path(socketPath().toString());
        server = RpcServer.start(builder.build());
    }

    @AfterEach
    void stop()
    {
        server.close();
    }

    @Test
    void shouldDeliverGeneratedOnewayCallsOverTcp() throws Exception
    {
        final InetSocketAddress address = (InetSocketAddress)server.boundAddress(TransportKind.TCP);
        postThenCount(new TTHeaderTransport(new TSocket(address.getHostString(), address.getPort(),
            SOCKET_TIMEOUT_MILLIS)));
        assertEquals(MESSAGES + 1, server.metrics().calls(TransportKind.TCP));
    }

    @Test
    void shouldDeliverGeneratedOnewayCallsOverShm() throws Exception
    {
        postThenCount(new TTHeaderTransport(new TShmTransport(socketPath())
            .readTimeout(Duration.ofMillis(SOCKET_TIMEOUT_MILLIS))));
        assertEquals(MESSAGES + 1, server.metrics().calls(TransportKind.SHM));
    }

    @Test
    void shouldDeliverGeneratedOnewayCallsToAGeneratedProcessorOverRawShm() throws Exception
    {
        final TShmServerTransport serverTransport = new TShmServerTransport(dir.resolve("raw.sock"));
        serverTransport.listen();
        final TSimpleServer thriftServer = new TSimpleServer(new TServer.Args(serverTransport)
            .processor(new Notifier.Processor<>(new Notifier.Iface()
            {
                @Override
                public void post(final int index, final ByteBuffer data)
                {
                    final byte[] bytes = new byte[data.remaining()];
                    data.duplicate().get(bytes);
                    posted.add(new Notifier.post_args(index, ByteBuffer.wrap(bytes)));
                }

                @Override
                public int count()
                {
                    return posted.size();
                }
            })));
        final Thread serving = new Thread(thriftServer::serve, "thrift-serve");
        serving.start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SOCKET_TIMEOUT_MILLIS);
            while (!thriftServer.isServing())
            {
                assertTrue(System.nanoTime() < deadline, "server did not start serving");
                Thread.sleep(1);
            }
            postThenCount(new TShmTransport(dir.resolve("raw.sock"))
                .readTimeout(Duration.ofMillis(SOCKET_TIMEOUT_MILLIS)));
        }
        finally
        {
            thriftServer.stop();
            serving.join(SOCKET_TIMEOUT_MILLIS);
        }
    }

    private void postThenCount(final TTransport transport) throws TException
    {
        transport.open();
        try
        {
            final Notifier.Client client = new Notifier.Client(new TBinaryProtocol(transport));
            final List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++)
            {
                final byte[] data = new byte[i * 37];
                Arrays.fill(data, (byte)i);
                sent.add(data);
                client.post(i, ByteBuffer.wrap(data));
            }
            assertEquals(MESSAGES, client.count(), "every one-way was handled before the call after them");
            for (int i = 0; i < MESSAGES; i++)
            {
                assertEquals(i, posted.get(i).getIndex());
                assertArrayEquals(sent.get(i), posted.get(i).getData());
            }
        }
        finally
        {
            transport.close();
        }
    }

    private DirectBuffer serve(final RequestContext ctx, final DirectBuffer request) throws TException
    {
        switch (ctx.method())
        {
            case "post":
                posted.add(decode(new Notifier.post_args(), request));
                return new UnsafeBuffer(new byte[0]);
            case "count":
                return encode(new Notifier.count_result().setSuccess(posted.size()));
            default:
                throw new UnsupportedOperationException("unknown method " + ctx.method());
        }
    }

    private static <T extends TBase<?, ?>> T decode(final T struct, final DirectBuffer payload) throws TException
    {
        final byte[] bytes = new byte[payload.capacity()];
        payload.getBytes(0, bytes);
        new TDeserializer(new TBinaryProtocol.Factory()).deserialize(struct, bytes);
        return struct;
    }

    private static DirectBuffer encode(final TBase<?, ?> struct) throws TException
    {
        return new UnsafeBuffer(new TSerializer(new TBinaryProtocol.Factory()).serialize(struct));
    }

    private Path socketPath()
    {
        return dir.resolve("notifier.sock");
    }
}
