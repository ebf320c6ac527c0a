package io.shmipc.transport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * One-way messages ({@link RpcClient#send}, {@link RpcClient#sendAsync}) over shared memory and TCP: the server runs
 * its handler for each and answers nothing, the client waits only for the connection to take the message.
 */
@Timeout(60)
class OnewayTest
{
    private static final long WAIT_SECONDS = TestPeers.TIMEOUT.toSeconds();
    private static final String NOTIFY = "notify";
    private static final String COUNT = "count";

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final List<byte[]> notified = new CopyOnWriteArrayList<>();

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldHandleEveryOnewayInOrderBeforeTheNextCallWhenSentOnOneConnection(final TransportKind kind)
        throws Exception
    {
        final RpcServer server = start(kind);
        final RpcClient client = peers.client(kind, server);

        final int messages = 200;
        final Random random = new Random(7);
        final List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < messages; i++)
        {
            final byte[] payload = new byte[1 + random.nextInt(8 * 1024)];
            random.nextBytes(payload);
            sent.add(payload);
            final CallInfo path = client.send(Request.of(NOTIFY, payload));
            assertEquals(kind, path.transport());
        }
        final Response count = client.call(Request.of(COUNT, new byte[0]));

        assertEquals(messages, count.payload().getInt(0), "the server handled every one-way before the call");
        assertEquals(messages, notified.size());
        for (int i = 0; i < messages; i++)
        {
            assertArrayEquals(sent.get(i), notified.get(i), "one-way " + i + " arrived in order, byte for byte");
        }
        assertEquals(messages + 1, client.metrics().calls(kind), "one-ways are counted with calls");
        assertEquals(messages + 1, server.metrics().calls(kind));
        assertEquals(0, client.metrics().inFlight(), "nothing is left pending");
        assertEquals(0, client.metrics().failedCalls());
        assertEquals(0, client.metrics().lateReplies(), "the server answered no one-way");
        assertEquals(1, server.connectionCount());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldCompleteAsyncOnewaysWithTheirPathWhenTheConnectionTookThem(final TransportKind kind) throws Exception
    {
        final RpcServer server = start(kind);
        final RpcClient client = peers.client(kind, server);

        final int messages = 100;
        final List<CompletableFuture<CallInfo>> sends = new ArrayList<>();
        for (int i = 0; i < messages; i++)
        {
            sends.add(client.sendAsync(Request.of(NOTIFY, new byte[] {(byte)i})));
        }
        for (final CompletableFuture<CallInfo> send : sends)
        {
            assertEquals(kind, send.get(WAIT_SECONDS, TimeUnit.SECONDS).transport());
        }
        assertEquals(messages, client.call(Request.of(COUNT, new byte[0])).payload().getInt(0));
        assertEquals(0, client.metrics().inFlight());
        assertEquals(0, client.metrics().lateReplies());
    }

    @Test
    void shouldFailOnewayWithConnectFailureWhenNobodyListens() throws Exception
    {
        final int port;
        try (ServerSocket probe = new ServerSocket(0))
        {
            port = probe.getLocalPort();
        }
        final RpcClient client = RpcClient.create(ClientOptions.builder().target("127.0.0.1:" + port)
            .connectTimeout(Duration.ofSeconds(WAIT_SECONDS)).callTimeout(Duration.ofSeconds(WAIT_SECONDS)).build());
        peers.keep(client);

        assertThrows(ConnectFailedException.class, () -> client.send(Request.of(NOTIFY, new byte[1])));
        final ExecutionException async = assertThrows(ExecutionException.class,
            () -> client.sendAsync(Request.of(NOTIFY, new byte[1])).get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(ConnectFailedException.class, async.getCause());
        RpcTest.waitUntil(() -> client.metrics().inFlight() == 0);
        assertEquals(2, client.metrics().failedCalls());
    }

    @Test
    void shouldRefuseOnewayWhenClientIsClosed()
    {
        final RpcClient client = RpcClient.create(ClientOptions.builder().target("127.0.0.1:1").build());
        client.close();

        assertThrows(RpcException.class, () -> client.send(Request.of(NOTIFY, new byte[1])));
    }

    /**
     * Records each one-way's payload; a call answers how many arrived. Non-blocking, so one connection's messages
     * are handled one after another, in the order they were sent.
     */
    private DirectBuffer handle(final RequestContext ctx, final DirectBuffer request)
    {
        if (NOTIFY.equals(ctx.method()))
        {
            final byte[] bytes = new byte[request.capacity()];
            request.getBytes(0, bytes);
            notified.add(bytes);
            return new UnsafeBuffer(new byte[0]);
        }
        final UnsafeBuffer count = new UnsafeBuffer(new byte[Integer.BYTES]);
        count.putInt(0, notified.size());
        return count;
    }

    private RpcServer start(final TransportKind kind)
    {
        return peers.start(kind, ServerOptions.builder(this::handle).nonBlockingHandler(true)
            .drainTimeout(Duration.ofSeconds(1)));
    }
}
