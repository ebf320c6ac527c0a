package io.shmipc.transport;

import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.remote.InboundHandler;
import io.shmipc.transport.remote.OutboundHandler;
import io.shmipc.transport.tcp.NettyTransport;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class RpcOverTcpTest
{
    private static final long WAIT_SECONDS = 10;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    @Test
    void shouldCarry64ConcurrentCallsOnOneConnectionWithIntactPayloads() throws Exception
    {
        final int calls = 64;
        final CountDownLatch allArrived = new CountDownLatch(calls);
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            allArrived.countDown();
            // Hold every call until all 64 are in flight at once, then answer in whatever order threads wake.
            if (!allArrived.await(WAIT_SECONDS, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("not all calls arrived");
            }
            return ChecksumEcho.respond(request);
        }).executorThreads(calls));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()).connectionsPerAddress(1));

        final Random random = new Random(42);
        final List<UnsafeBuffer> requests = new ArrayList<>();
        final List<CompletableFuture<Response>> futures = new ArrayList<>();
        for (int i = 0; i < calls; i++)
        {
            final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(64 * 1024));
            requests.add(request);
            futures.add(client.callAsync(Request.of(ChecksumEcho.METHOD, request)));
        }
        for (int i = 0; i < calls; i++)
        {
            final Response response = futures.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(ChecksumEcho.verify(requests.get(i), response.payload()), "payload of call " + i);
            assertEquals(TransportKind.TCP, response.callInfo().transport());
            assertEquals(ChecksumEcho.METHOD, response.method());
        }
        assertEquals(1, server.connectionCount());
        assertEquals(calls, server.metrics().calls(TransportKind.TCP));
        assertEquals(calls, client.metrics().calls(TransportKind.TCP));
        assertEquals(0, client.metrics().failedCalls());
    }

    @ParameterizedTest
    @EnumSource(FrameFormat.class)
    void shouldAnswerInTheRequestsFramingAndCarryInfoKeys(final FrameFormat format)
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            ctx.putResponseStringInfo("seen-format", ctx.format().name());
            ctx.putResponseIntInfo(IntInfoKey.TO_METHOD, ctx.method());
            final String caller = ctx.stringInfo().getOrDefault("caller", "-") + "/" +
                ctx.intInfo(IntInfoKey.FROM_SERVICE);
            return new UnsafeBuffer(caller.getBytes(StandardCharsets.UTF_8));
        }));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()).frameFormat(format));

        final Response response = client.call(Request.builder("whoami")
            .stringInfo("caller", "test").intInfo(IntInfoKey.FROM_SERVICE, "svc.a").build());

        final String body = response.payload().getStringWithoutLengthUtf8(0, response.payload().capacity());
        if (format == FrameFormat.FRAMED)
        {
            assertEquals("-/null", body, "framed Thrift carries no info keys");
        }
        else
        {
            assertEquals("test/svc.a", body);
            assertEquals(format.name(), response.stringInfo().get("seen-format"));
            assertEquals("whoami", response.intInfo().get(IntInfoKey.TO_METHOD.id()));
        }
    }

    @Test
    void shouldWorkOverNioAsWellAsEpoll()
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .nativeTransport(false));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()).nativeTransport(false));
        final UnsafeBuffer request = ChecksumEcho.request(new Random(1), 1000);
        assertTrue(ChecksumEcho.verify(request, client.call(Request.of(ChecksumEcho.METHOD, request)).payload()));
        assertEquals(NettyTransport.NIO, NettyTransport.select(false));
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"))
        {
            assertEquals(NettyTransport.EPOLL, NettyTransport.select(true),
                () -> "epoll native jar not usable: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
        }
    }

    @Test
    void shouldTimeOutSlowCallAndDropItsLateReply() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            if (ctx.method().equals("slow"))
            {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return request;
        }));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()));

        final long start = System.nanoTime();
        final CallTimeoutException ex = assertThrows(CallTimeoutException.class, () -> client.call(
            Request.builder("slow").timeout(Duration.ofMillis(200)).build()));
        final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMillis >= 150 && elapsedMillis < 5_000, "timed out after " + elapsedMillis + " ms");
        assertTrue(ex.getMessage().contains("'slow'") && ex.getMessage().contains("200 ms"), ex.getMessage());

        release.countDown();
        waitUntil(() -> client.metrics().lateReplies() == 1 && client.metrics().timedOutCalls() == 1);
        assertEquals("ok", new String(bytes(client.call(Request.of("fast", "ok".getBytes()))), StandardCharsets.UTF_8));
        // The counter drops when the future's completion stages run, which may be just after the caller woke.
        waitUntil(() -> client.metrics().inFlight() == 0);
    }

    @Test
    void shouldCancelCallAndKeepConnectionUsable() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            if (ctx.method().equals("slow"))
            {
                started.countDown();
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return request;
        }));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()));

        final CompletableFuture<Response> slow = client.callAsync(Request.of("slow", new byte[10]));
        assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(slow.cancel(true));
        assertThrows(CancellationException.class, slow::join);
        waitUntil(() -> client.metrics().cancelledCalls() == 1 && client.metrics().inFlight() == 0);

        release.countDown();
        waitUntil(() -> client.metrics().lateReplies() == 1);
        assertEquals(3, client.call(Request.of("fast", new byte[3])).payload().capacity());
    }

    @Test
    void shouldDrainInFlightCallsOnGracefulShutdown() throws Exception
    {
        final int calls = 8;
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = RpcServer.start(ServerOptions.builder((ctx, request) ->
        {
            release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return ChecksumEcho.respond(request);
        }).executorThreads(calls).build());
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()));

        final Random random = new Random(7);
        final List<UnsafeBuffer> requests = new ArrayList<>();
        final List<CompletableFuture<Response>> futures = new ArrayList<>();
        for (int i = 0; i < calls; i++)
        {
            requests.add(ChecksumEcho.request(random, 512));
            futures.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(i))));
        }
        waitUntil(() -> server.metrics().inFlight() == calls);

        final CompletableFuture<Boolean> shutdown =
            CompletableFuture.supplyAsync(() -> server.shutdown(Duration.ofSeconds(WAIT_SECONDS)));
        // A call arriving while the server drains is refused, with a request to reset the connection.
        waitUntil(() -> isRefused(client));
        assertFalse(shutdown.isDone(), "shutdown must wait for the in-flight calls");

        release.countDown();
        assertTrue(shutdown.get(WAIT_SECONDS, TimeUnit.SECONDS), "all in-flight calls drained");
        for (int i = 0; i < calls; i++)
        {
            assertTrue(ChecksumEcho.verify(requests.get(i), futures.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS).payload()));
        }
        assertEquals(0, server.connectionCount());
        final RpcClient late = client(ClientOptions.builder().target(server.tcpAddress()));
        assertInstanceOf(ConnectFailedException.class,
            assertThrows(RpcException.class, () -> late.call(Request.of("late", new byte[0]))));
    }

    @Test
    void shouldReportHandlerExceptionAsRemoteApplicationException()
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            throw new IllegalArgumentException("no such user 17");
        }));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()));

        final RemoteApplicationException ex =
            assertThrows(RemoteApplicationException.class, () -> client.call(Request.of("getUser", new byte[4])));
        assertEquals(6, ex.type());
        assertTrue(ex.getMessage().contains("no such user 17") && ex.getMessage().contains("'getUser'"),
            ex.getMessage());
    }

    @Test
    void shouldFailFastWithConnectFailedWhenNothingListens() throws Exception
    {
        final String address;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            address = "127.0.0.1:" + socket.getLocalPort();
        }
        final RpcClient client = client(ClientOptions.builder().target(address));
        final ConnectFailedException ex =
            assertThrows(ConnectFailedException.class, () -> client.call(Request.of("x", new byte[0])));
        assertTrue(ex.getMessage().contains(address), ex.getMessage());
        waitUntil(() -> client.metrics().failedCalls() == 1);
    }

    @Test
    void shouldLetPipelineHandlersSeePathAndAddInfoKeys()
    {
        final List<CallInfo> seenByServer = new CopyOnWriteArrayList<>();
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
            new UnsafeBuffer(ctx.stringInfo().getOrDefault("trace", "none").getBytes(StandardCharsets.UTF_8)))
            .inboundHandler(new InboundHandler()
            {
                @Override
                public void onMessage(final io.shmipc.transport.remote.Connection connection,
                    final io.shmipc.transport.remote.RpcMessage message)
                {
                    seenByServer.add(message.callInfo());
                }
            }));
        final List<CallInfo> seenByClient = new CopyOnWriteArrayList<>();
        final OutboundHandler tracer = (connection, message) ->
        {
            seenByClient.add(message.callInfo());
            message.frame().header().putStringInfo("trace", "t-" + message.frame().seqId());
        };
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()).outboundHandler(tracer));

        final Response response = client.call(Request.of("traced", new byte[0]));

        assertEquals("t-" + response.seqId(), new String(bytes(response), StandardCharsets.UTF_8));
        assertEquals(TransportKind.TCP, seenByClient.get(0).transport());
        assertEquals(server.tcpAddress(), seenByClient.get(0).address());
        assertEquals(TransportKind.TCP, seenByServer.get(0).transport());
    }

    @Test
    void shouldDecodeReplyInPlaceWithResponseDecoder()
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request)));
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()));
        final UnsafeBuffer request = ChecksumEcho.request(new Random(3), 4096);

        final boolean verified = client.call(Request.of(ChecksumEcho.METHOD, request),
            response -> ChecksumEcho.verify(request, response.payload()));

        assertTrue(verified);
    }

    @Test
    void shouldFailPendingCallsWithConnectionClosedWhenServerGoesAway() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch never = new CountDownLatch(1);
        final RpcServer server = RpcServer.start(ServerOptions.builder((ctx, request) ->
        {
            started.countDown();
            never.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return request;
        }).build());
        final RpcClient client = client(ClientOptions.builder().target(server.tcpAddress()));
        try
        {
            final CompletableFuture<Response> pending = client.callAsync(Request.of("stuck", new byte[1]));
            assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));

            assertFalse(server.shutdown(Duration.ZERO), "the stuck call cannot drain in zero time");

            final ExecutionException ex = assertThrows(ExecutionException.class,
                () -> pending.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertInstanceOf(ConnectionClosedException.class, ex.getCause());
            assertTrue(ex.getCause().getMessage().contains("'stuck'"), ex.getCause().getMessage());
        }
        finally
        {
            never.countDown();
        }
    }

    @Test
    void shouldCloseConnectionAndFailCallWhenServerAnswersGarbage() throws Exception
    {
        try (java.net.ServerSocket listener =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            final CompletableFuture<Void> peer = CompletableFuture.runAsync(() ->
            {
                try (java.net.Socket socket = listener.accept())
                {
                    socket.setSoTimeout((int)TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                    socket.getInputStream().read(new byte[64]);
                    socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    socket.getInputStream().read();
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            final RpcClient client = client(ClientOptions.builder().target("127.0.0.1:" + listener.getLocalPort()));

            assertThrows(ConnectionClosedException.class, () -> client.call(Request.of("x", new byte[1])));
            assertEquals(1, client.metrics().malformedFrames());
            peer.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldNameTheAddressWhenBindFails() throws Exception
    {
        try (java.net.ServerSocket taken =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            final String address = "127.0.0.1:" + taken.getLocalPort();
            final RpcException ex = assertThrows(RpcException.class, () -> RpcServer.start(
                ServerOptions.builder((ctx, request) -> request).tcpAddress(address).build()));
            assertTrue(ex.getMessage().contains("binding TCP address " + address), ex.getMessage());
        }
    }

    private static boolean isRefused(final RpcClient client)
    {
        try
        {
            client.call(Request.builder("during-drain").timeout(Duration.ofMillis(300)).build());
            return false;
        }
        catch (final CallTimeoutException ex)
        {
            return false; // sent before the drain began: accepted, and queued behind the blocked calls
        }
        catch (final RemoteApplicationException ex)
        {
            return ex.getMessage().contains("shutting down");
        }
    }

    private RpcServer start(final ServerOptions.Builder builder)
    {
        final RpcServer server = RpcServer.start(builder.drainTimeout(Duration.ofSeconds(1)).build());
        closeables.add(server);
        return server;
    }

    private RpcClient client(final ClientOptions.Builder builder)
    {
        final RpcClient client = RpcClient.create(builder.callTimeout(Duration.ofSeconds(WAIT_SECONDS)).build());
        closeables.add(client);
        return client;
    }

    private static byte[] bytes(final Response response)
    {
        final DirectBuffer payload = response.payload();
        final byte[] bytes = new byte[payload.capacity()];
        payload.getBytes(0, bytes);
        return bytes;
    }

    static void waitUntil(final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("condition not met within " + WAIT_SECONDS + " s");
            }
            Thread.sleep(5);
        }
    }
}
