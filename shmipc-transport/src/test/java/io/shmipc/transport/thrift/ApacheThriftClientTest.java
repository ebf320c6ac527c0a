package io.shmipc.transport.thrift;

import io.shmipc.transport.RequestContext;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.examples.thrift.gen.Echo;
import io.shmipc.examples.thrift.gen.EchoError;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TBase;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generated Apache Thrift 0.17 client talks to an {@link RpcServer} over TCP, in TTHeader-framed Thrift binary
 * (through {@link TTHeaderTransport}) and in plain framed Thrift ({@code TFramedTransport}). The server side
 * decodes the generated argument structs from the request payload and encodes the result structs.
 */
@Timeout(60)
class ApacheThriftClientTest
{
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

    private final List<FrameFormat> formatsSeen = new CopyOnWriteArrayList<>();
    private final List<String> callersSeen = new CopyOnWriteArrayList<>();
    private RpcServer server;

    @BeforeEach
    void start()
    {
        server = RpcServer.start(ServerOptions.builder(this::serve).drainTimeout(Duration.ofSeconds(1)).build());
    }

    @AfterEach
    void stop()
    {
        server.close();
    }

    @Test
    void shouldServeGeneratedClientOverTTHeaderFramedThrift() throws Exception
    {
        final TSocket socket = socket();
        final TTHeaderTransport transport = new TTHeaderTransport(socket);
        transport.requestHeader().putStringInfo("caller", "thrift-java").putIntInfo(IntInfoKey.FROM_SERVICE, "t");
        transport.open();
        try
        {
            final Echo.Client client = new Echo.Client(new TBinaryProtocol(transport));
            assertEquals(5, client.add(2, 3));
            final byte[] data = new byte[100_000];
            new Random(5).nextBytes(data);
            assertArrayEquals(data, bytes(client.echo(ByteBuffer.wrap(data))));
            assertEquals(-7, client.add(-10, 3));

            assertEquals("add", transport.responseHeader().intInfo(IntInfoKey.TO_METHOD));
            assertEquals(List.of(FrameFormat.TTHEADER_FRAMED), formatsSeen.stream().distinct().toList());
            assertEquals(List.of("thrift-java/t"), callersSeen.stream().distinct().toList());
        }
        finally
        {
            transport.close();
        }
    }

    @Test
    void shouldServeGeneratedClientOverUnframedTTHeader() throws Exception
    {
        final TTHeaderTransport transport = new TTHeaderTransport(socket(), false, 1 << 20);
        transport.open();
        try
        {
            assertEquals(42, new Echo.Client(new TBinaryProtocol(transport)).add(40, 2));
            assertEquals(FrameFormat.TTHEADER, formatsSeen.get(0));
        }
        finally
        {
            transport.close();
        }
    }

    @Test
    void shouldServeGeneratedClientOverPlainFramedThrift() throws Exception
    {
        final TTransport transport = new TFramedTransport(socket());
        transport.open();
        try
        {
            assertEquals(9, new Echo.Client(new TBinaryProtocol(transport)).add(4, 5));
            assertEquals(FrameFormat.FRAMED, formatsSeen.get(0));
        }
        finally
        {
            transport.close();
        }
    }

    @Test
    void shouldDeliverDeclaredAndApplicationExceptionsToGeneratedClient() throws Exception
    {
        final TTHeaderTransport transport = new TTHeaderTransport(socket());
        transport.open();
        try
        {
            final Echo.Client client = new Echo.Client(new TBinaryProtocol(transport));
            final EchoError declared = assertThrows(EchoError.class, () -> client.fail("bad input"));
            assertEquals("bad input", declared.getReason());

            final TApplicationException crash = assertThrows(TApplicationException.class, () -> client.fail("crash"));
            assertEquals(TApplicationException.INTERNAL_ERROR, crash.getType());
            assertTrue(crash.getMessage().contains("handler crashed"), crash.getMessage());

            assertEquals(3, client.add(1, 2), "the connection survives both");
        }
        finally
        {
            transport.close();
        }
    }

    private DirectBuffer serve(final RequestContext ctx, final DirectBuffer request) throws TException
    {
        formatsSeen.add(ctx.format());
        callersSeen.add(ctx.stringInfo().get("caller") + "/" + ctx.intInfo(IntInfoKey.FROM_SERVICE));
        ctx.putResponseIntInfo(IntInfoKey.TO_METHOD, ctx.method());
        switch (ctx.method())
        {
            case "add":
            {
                final Echo.add_args args = decode(new Echo.add_args(), request);
                return encode(new Echo.add_result().setSuccess(args.getA() + args.getB()));
            }
            case "echo":
            {
                final Echo.echo_args args = decode(new Echo.echo_args(), request);
                return encode(new Echo.echo_result().setSuccess(args.bufferForData()));
            }
            case "fail":
            {
                final Echo.fail_args args = decode(new Echo.fail_args(), request);
                if (args.getReason().equals("crash"))
                {
                    throw new IllegalStateException("handler crashed");
                }
                return encode(new Echo.fail_result().setError(new EchoError(args.getReason())));
            }
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

    private TSocket socket() throws Exception
    {
        final InetSocketAddress address = (InetSocketAddress)server.boundAddress(io.shmipc.transport.TransportKind.TCP);
        return new TSocket(address.getHostString(), address.getPort(), SOCKET_TIMEOUT_MILLIS);
    }

    private static byte[] bytes(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
