package io.shmipc.transport;

import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.RpcFrameCodec;
import io.shmipc.transport.codec.StringInfoKeys;
import io.shmipc.transport.codec.TTHeaderDescriptor;
import io.shmipc.transport.codec.ThriftMessageType;
import io.shmipc.transport.remote.InboundHandler;
import io.shmipc.transport.remote.OutboundHandler;
import io.shmipc.transport.tcp.NettyTransport;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RPC behaviour that must be the same over shared memory and over TCP (each such test runs once per transport),
 * plus what only TCP has (Netty flavours, ports).
 */
@Timeout(60)
class RpcTest
{
    /** An integer info key id no {@link IntInfoKey} names. */
    private static final int UNNAMED_KEY = 4711;

    private static final long WAIT_SECONDS = 10;
    /** Shorter than the slice a caller reads for before it parks instead (50 ms). */
    private static final long REPLY_DELAY_MILLIS = 20;
    /** Bounds the loop of a client calling back to back; the end of a 600 ms drain cuts it off long before. */
    private static final int MAX_CALLS_OF_AN_IGNORING_CLIENT = 10_000_000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldCarry64ConcurrentCallsOnOneConnectionWithIntactPayloads(final TransportKind kind) throws Exception
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
        }).executorThreads(calls), kind);
        final RpcClient client = client(ClientOptions.builder().connectionsPerAddress(1), server, kind);

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
            assertEquals(kind, response.callInfo().transport());
            assertEquals(ChecksumEcho.METHOD, response.method());
        }
        assertEquals(1, server.connectionCount());
        assertEquals(calls, server.metrics().calls(kind));
        assertEquals(calls, client.metrics().calls(kind));
        assertEquals(0, client.metrics().failedCalls());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldCarryFramesLargerThanTheLargestSliceIntact(final TransportKind kind)
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request)), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);
        final Random random = new Random(99);
        for (final int size : new int[] {0, 1, 8_000, 131_000, 131_100, 400_000, 3_000_000})
        {
            final UnsafeBuffer request = ChecksumEcho.request(random, size);
            final Response response = client.call(Request.of(ChecksumEcho.METHOD, request));
            assertTrue(ChecksumEcho.verify(request, response.payload()), "payload of " + size + " bytes");
            assertEquals(kind, response.callInfo().transport());
        }
    }

    @ParameterizedTest
    @MethodSource("formatsAndTransports")
    void shouldAnswerInTheRequestsFramingAndCarryInfoKeys(final FrameFormat format, final TransportKind kind)
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            ctx.putResponseStringInfo("seen-format", ctx.format().name());
            ctx.putResponseIntInfo(IntInfoKey.TO_METHOD, ctx.method());
            ctx.putResponseIntInfo(UNNAMED_KEY + 1, "back");
            final String caller = ctx.stringInfo().getOrDefault("caller", "-") + "/" +
                ctx.intInfo(IntInfoKey.FROM_SERVICE) + "/" + ctx.intInfo().get(UNNAMED_KEY) + "/" + ctx.aclToken();
            return new UnsafeBuffer(caller.getBytes(StandardCharsets.UTF_8));
        }), kind);
        final RpcClient client = client(ClientOptions.builder().frameFormat(format), server, kind);

        final Response response = client.call(Request.builder("whoami")
            .stringInfo("caller", "test").intInfo(IntInfoKey.FROM_SERVICE, "svc.a").intInfo(UNNAMED_KEY, "unnamed")
            .aclToken("token").build());

        final String body = response.payload().getStringWithoutLengthUtf8(0, response.payload().capacity());
        assertEquals(kind, response.callInfo().transport());
        if (format == FrameFormat.FRAMED)
        {
            assertEquals("-/null/null/null", body, "framed Thrift carries no info keys");
        }
        else
        {
            assertEquals("test/svc.a/unnamed/token", body, "keys named or not, and the ACL token");
            assertEquals("back", response.intInfo().get(UNNAMED_KEY + 1));
            assertEquals(format.name(), response.stringInfo().get("seen-format"));
            assertEquals("whoami", response.intInfo().get(IntInfoKey.TO_METHOD.id()));
        }
    }

    @ParameterizedTest
    @MethodSource("formatsAndTransports")
    void shouldSendARepeatedRequestWithItsKeysAndEachCallsSeqIdAndBody(final FrameFormat format,
        final TransportKind kind)
    {
        // Plain replies (no response keys): from the first call on the server writes them from its method's head;
        // from the third the client writes the request from its kept head.
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            final String seen = request.getStringWithoutLengthUtf8(0, request.capacity()) + "|" + ctx.seqId() + "|" +
                ctx.intInfo(IntInfoKey.FROM_SERVICE) + "|" + ctx.aclToken();
            return new UnsafeBuffer(seen.getBytes(StandardCharsets.UTF_8));
        }), kind);
        final RpcClient client = client(ClientOptions.builder().frameFormat(format), server, kind);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
        final Request request = Request.builder("again").payload(payload).intInfo(IntInfoKey.FROM_SERVICE, "svc.b")
            .aclToken("t").build();
        final Set<Integer> seqIds = new HashSet<>();
        for (int i = 0; i < 5; i++)
        {
            payload.putStringWithoutLengthAscii(0, "call-" + i + "..");
            final Response response = client.call(request);
            final String keys = format == FrameFormat.FRAMED ? "null|null" : "svc.b|t";
            assertEquals("call-" + i + "..|" + response.seqId() + "|" + keys,
                response.payload().getStringWithoutLengthUtf8(0, response.payload().capacity()), "call " + i);
            assertTrue(seqIds.add(response.seqId()), "each call its own seq id");
            assertEquals(kind, response.callInfo().transport());
        }
    }

    @Test
    void shouldWorkOverNioAsWellAsEpoll()
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .nativeTransport(false), TransportKind.TCP);
        final RpcClient client = client(ClientOptions.builder().nativeTransport(false), server, TransportKind.TCP);
        final UnsafeBuffer request = ChecksumEcho.request(new Random(1), 1000);
        assertTrue(ChecksumEcho.verify(request, client.call(Request.of(ChecksumEcho.METHOD, request)).payload()));
        assertEquals(NettyTransport.NIO, NettyTransport.select(false));
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"))
        {
            assertEquals(NettyTransport.EPOLL, NettyTransport.select(true),
                () -> "epoll native jar not usable: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldTimeOutSlowCallAndDropItsLateReply(final TransportKind kind) throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            if (ctx.method().equals("slow"))
            {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return request;
        }), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);

        final long start = System.nanoTime();
        final CallTimeoutException ex = assertThrows(CallTimeoutException.class, () -> client.call(
            Request.builder("slow").timeout(Duration.ofMillis(200)).build()));
        final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMillis >= 150 && elapsedMillis < 5_000, "timed out after " + elapsedMillis + " ms");
        assertTrue(ex.getMessage().contains("'slow'") && ex.getMessage().contains("200 ms"), ex.getMessage());

        release.countDown();
        waitUntil(() -> client.metrics().lateReplies() == 1 && client.metrics().timedOutCalls() == 1);
        final Response ok = client.call(Request.of("fast", "ok".getBytes(StandardCharsets.UTF_8)));
        assertEquals("ok", new String(bytes(ok), StandardCharsets.UTF_8));
        assertEquals(kind, ok.callInfo().transport(), "the connection survives the timeout");
        // The counter drops when the future's completion stages run, which may be just after the caller woke.
        waitUntil(() -> client.metrics().inFlight() == 0);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldTimeOutAnAsynchronousCallNoSoonerThanItsDeadlineWithNoTimerTaskOfItsOwn(final TransportKind kind)
        throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = slowServer(kind, new CountDownLatch(1), release);
        final RpcClient client = client(ClientOptions.builder(), server, kind);
        try
        {
            // A long one first: the sweep interval it sets is longer than the short call's whole timeout.
            final CompletableFuture<Response> patient =
                client.callAsync(Request.builder("slow").timeout(Duration.ofSeconds(WAIT_SECONDS)).build());
            final long start = System.nanoTime();
            final CompletableFuture<Response> hasty =
                client.callAsync(Request.builder("slow").timeout(Duration.ofMillis(5)).build());
            final CompletableFuture<Long> failedAfter = hasty.handle((r, e) -> System.nanoTime() - start);

            final ExecutionException ex =
                assertThrows(ExecutionException.class, () -> hasty.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertInstanceOf(CallTimeoutException.class, ex.getCause());
            assertTrue(ex.getCause().getMessage().contains("5 ms"), ex.getCause().getMessage());
            final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(failedAfter.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(elapsedMillis >= 5 && elapsedMillis < 5_000, "timed out after " + elapsedMillis + " ms");
            assertFalse(patient.isDone(), "the long call is still waiting for its reply");
            release.countDown();
            assertEquals(kind, patient.get(WAIT_SECONDS, TimeUnit.SECONDS).callInfo().transport());
        }
        finally
        {
            release.countDown();
        }
        waitUntil(() -> client.metrics().timedOutCalls() == 1 && client.metrics().inFlight() == 0);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldLetAThreadWaitingOnAnAsynchronousCallReadItsReplyItselfOverSharedMemory(final TransportKind kind)
        throws Exception
    {
        assertCallersReadTheirReplies(kind, REPLY_DELAY_MILLIS, 6);
    }

    @Test
    void shouldLetAWaitingThreadReadAReplySlowerThanOneReadingSlice() throws Exception
    {
        // A caller reads in slices of 50 ms, to notice an interrupt: a slower reply is still its own to read.
        assertCallersReadTheirReplies(TransportKind.SHM, 3 * REPLY_DELAY_MILLIS + 60, 2);
    }

    private void assertCallersReadTheirReplies(final TransportKind kind, final long replyDelayMillis, final int calls)
        throws Exception
    {
        // Each reply comes a while after the call: by then its caller waits for it.
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            Thread.sleep(replyDelayMillis);
            return request;
        }), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);
        final Thread caller = Thread.currentThread();
        final List<String> decodedOn = new CopyOnWriteArrayList<>();
        final ResponseDecoder<Integer> recordThread = response ->
        {
            decodedOn.add(Thread.currentThread() == caller ? "caller" : Thread.currentThread().getName());
            return response.payload().capacity();
        };
        // Connected first: a call still dialling when its caller waits has no connection to read yet.
        assertEquals(kind, client.call(Request.of("sleepy", new byte[1])).callInfo().transport());
        for (int i = 0; i < calls; i++)
        {
            final CompletableFuture<Integer> reply = client.callAsync(Request.of("sleepy", new byte[i + 1]),
                recordThread);
            final int length = switch (i % 3)
            {
                case 0 -> reply.get();
                case 1 -> reply.get(WAIT_SECONDS, TimeUnit.SECONDS);
                default -> reply.join();
            };
            assertEquals(i + 1, length);
        }
        // Over shared memory the waiting caller reads its reply, unless the session's thread still held the stream
        // (delivering an earlier reply) at that moment; over TCP an I/O thread always does.
        final long byCaller = decodedOn.stream().filter("caller"::equals).count();
        if (kind == TransportKind.SHM)
        {
            assertTrue(byCaller >= calls / 2, "decoded on " + decodedOn);
        }
        else
        {
            assertEquals(0, byCaller, "decoded on " + decodedOn);
        }
    }

    /**
     * An echo server whose method "slow" counts down {@code started}, then waits for {@code release}.
     */
    private RpcServer slowServer(final TransportKind kind, final CountDownLatch started, final CountDownLatch release)
    {
        return start(ServerOptions.builder((ctx, request) ->
        {
            if (ctx.method().equals("slow"))
            {
                started.countDown();
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return request;
        }), kind);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldCancelCallAndKeepConnectionUsable(final TransportKind kind) throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final RpcClient client = client(ClientOptions.builder(), slowServer(kind, started, release), kind);

        final CompletableFuture<Response> slow = client.callAsync(Request.of("slow", new byte[10]));
        assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(slow.cancel(true));
        assertThrows(CancellationException.class, slow::join);
        waitUntil(() -> client.metrics().cancelledCalls() == 1 && client.metrics().inFlight() == 0);

        release.countDown();
        waitUntil(() -> client.metrics().lateReplies() == 1);
        final Response fast = client.call(Request.of("fast", new byte[3]));
        assertEquals(3, fast.payload().capacity());
        assertEquals(kind, fast.callInfo().transport());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldEndABlockingCallWhenItsThreadIsInterruptedAndKeepConnectionUsable(final TransportKind kind)
        throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final RpcClient client = client(ClientOptions.builder(), slowServer(kind, started, release), kind);

        final CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        final Thread caller = new Thread(() ->
        {
            try
            {
                client.call(Request.of("slow", new byte[10]));
                outcome.complete(null);
            }
            catch (final Throwable ex)
            {
                outcome.complete(Thread.currentThread().isInterrupted() ? ex : new AssertionError(
                    "the interrupt flag was cleared", ex));
            }
        });
        caller.start();
        assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));
        // Long enough for the caller to have stopped spinning and parked while reading its reply.
        Thread.sleep(20);
        caller.interrupt();
        final Throwable failure = outcome.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(failure instanceof RpcException && failure.getMessage().contains("interrupted"),
            String.valueOf(failure));
        waitUntil(() -> client.metrics().cancelledCalls() == 1 && client.metrics().inFlight() == 0);

        release.countDown();
        waitUntil(() -> client.metrics().lateReplies() == 1);
        final Response fast = client.call(Request.of("fast", new byte[3]));
        assertEquals(3, fast.payload().capacity());
        assertEquals(kind, fast.callInfo().transport(), "the connection survives the interrupt");
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldLetAForkJoinPoolRunOtherTasksWhileOneOfItsThreadsWaitsForACall(final TransportKind kind)
        throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final RpcClient client = client(ClientOptions.builder(), slowServer(kind, started, release), kind);
        final java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(1);
        try
        {
            final java.util.concurrent.Future<Response> waiting =
                pool.submit(() -> client.call(Request.of("slow", new byte[6])));
            assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));
            // The pool's only thread waits for the reply: the pool must be able to add one for this task.
            assertEquals("ran", pool.submit(() -> "ran").get(WAIT_SECONDS, TimeUnit.SECONDS));
            release.countDown();
            final Response response = waiting.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(6, response.payload().capacity());
            assertEquals(kind, response.callInfo().transport());
        }
        finally
        {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseABlockingShmCallFromACompletionStageOnTheThreadThatDeliversItsReply() throws Exception
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> request), TransportKind.SHM);
        final RpcClient client = client(ClientOptions.builder(), server, TransportKind.SHM);
        final ExecutorService elsewhere = Executors.newSingleThreadExecutor();
        try
        {
            // No executor: the stage runs where the reply was read, the session's draining thread.
            final CompletableFuture<Response> nested = client.callAsync(Request.of("outer", new byte[4]))
                .thenApply(outer -> client.call(Request.of("inner", new byte[5])));
            final ExecutionException ex = assertThrows(ExecutionException.class,
                () -> nested.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(ex.getCause() instanceof RpcException &&
                ex.getCause().getMessage().contains("would wait for its reply on the thread that delivers"),
                String.valueOf(ex.getCause()));

            final Response inner = client.callAsync(Request.of("outer", new byte[4]))
                .thenApplyAsync(outer -> client.call(Request.of("inner", new byte[5])), elsewhere)
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(5, inner.payload().capacity());
            assertEquals(TransportKind.SHM, inner.callInfo().transport());
        }
        finally
        {
            elsewhere.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldDrainInFlightCallsOnGracefulShutdown(final TransportKind kind) throws Exception
    {
        final int calls = 8;
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = RpcServer.start(withTransport(ServerOptions.builder((ctx, request) ->
        {
            release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return ChecksumEcho.respond(request);
        }).executorThreads(calls), kind).build());
        final RpcClient client = client(ClientOptions.builder(), server, kind);

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
        // The server stops accepting at once: a new client cannot connect. Each attempt is a new client, since one
        // that connected before the drain began keeps its accepted connection.
        waitUntil(() ->
        {
            try (RpcClient late = client(ClientOptions.builder(), server, kind))
            {
                return isRefused(late);
            }
        });
        assertFalse(shutdown.isDone(), "shutdown must wait for the in-flight calls");

        release.countDown();
        assertTrue(shutdown.get(WAIT_SECONDS, TimeUnit.SECONDS), "all in-flight calls drained");
        for (int i = 0; i < calls; i++)
        {
            final Response response = futures.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(ChecksumEcho.verify(requests.get(i), response.payload()));
            assertEquals(kind, response.callInfo().transport());
        }
        // A shared-memory connection leaves the count on its reading thread, which may finish just after shutdown.
        waitUntil(() -> server.connectionCount() == 0);
        assertTrue(client.metrics().connectionResets() >= 1, "replies sent during the drain asked for a reset");
    }

    @Test
    void shouldReportADrainCutShortWhenAClientThatIgnoresTheResetKeepsCalling() throws Exception
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> request), TransportKind.TCP);
        final byte[] frame = rawCall("echo", 1, 0);
        try (java.net.Socket peer = rawClient(server))
        {
            // A client that never moves: calls back to back, until cut off. A pause between calls would let a
            // stall of this thread on a loaded machine pass for the drain's quiet period (200 ms).
            final long callingUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            final java.util.concurrent.atomic.AtomicBoolean cutOff = new java.util.concurrent.atomic.AtomicBoolean();
            final CompletableFuture<Integer> calling = CompletableFuture.supplyAsync(() ->
            {
                int answered = 0;
                try
                {
                    final java.io.DataInputStream in = new java.io.DataInputStream(peer.getInputStream());
                    while (answered < MAX_CALLS_OF_AN_IGNORING_CLIENT && System.nanoTime() - callingUntil < 0)
                    {
                        peer.getOutputStream().write(frame);
                        in.skipNBytes(in.readInt());
                        answered++;
                    }
                }
                catch (final java.io.IOException ex)
                {
                    cutOff.set(true); // by the end of the drain
                }
                return answered;
            }, runnable -> new Thread(runnable, "ignoring-client").start());
            waitUntil(() -> server.metrics().calls(TransportKind.TCP) >= 3);

            assertFalse(server.shutdown(Duration.ofMillis(600)), "the timeout cut a client still calling");
            assertTrue(calling.get(WAIT_SECONDS, TimeUnit.SECONDS) >= 3);
            assertTrue(cutOff.get(), "the end of the drain cut the client off");
        }
    }

    @Test
    void shouldSendAResetControlFrameOnDrainOnlyToClientsThatMultiplex() throws Exception
    {
        final CountDownLatch slowStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            if (ctx.method().equals("slow"))
            {
                slowStarted.countDown();
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return request;
        }).executorThreads(2), TransportKind.TCP);
        try (java.net.Socket multiplexing = rawClient(server); java.net.Socket pooled = rawClient(server))
        {
            final java.io.DataInputStream muxIn = new java.io.DataInputStream(multiplexing.getInputStream());
            final java.io.DataInputStream pooledIn = new java.io.DataInputStream(pooled.getInputStream());
            // A call in flight keeps the drain going while the rest is checked.
            multiplexing.getOutputStream().write(rawCall("slow", 7, TTHeaderDescriptor.FLAG_OUT_OF_ORDER));
            assertTrue(slowStarted.await(WAIT_SECONDS, TimeUnit.SECONDS));
            pooled.getOutputStream().write(rawCall("echo", 8, 0));
            assertEquals(8, readFrame(pooledIn).seqId());

            final CompletableFuture<Boolean> shutdown =
                CompletableFuture.supplyAsync(() -> server.shutdown(Duration.ofSeconds(WAIT_SECONDS)));
            // As a Kitex mux server does: seq id 0, method "none", an empty struct, crrst.
            final RpcFrame control = readFrame(muxIn);
            assertEquals(0, control.seqId());
            assertEquals(ThriftMessageType.REPLY, control.messageType());
            assertEquals("none", control.method());
            assertEquals(1, control.bodyLength());
            assertTrue(control.header().stringInfoView().containsKey(StringInfoKeys.CONNECTION_RESET));

            // A client that does not multiplex learns of the reset from its next reply only.
            pooled.setSoTimeout(300);
            assertThrows(java.net.SocketTimeoutException.class, pooledIn::readInt);
            pooled.setSoTimeout((int)TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            pooled.getOutputStream().write(rawCall("echo", 9, 0));
            final RpcFrame reply = readFrame(pooledIn);
            assertEquals(9, reply.seqId());
            assertTrue(reply.header().stringInfoView().containsKey(StringInfoKeys.CONNECTION_RESET));

            release.countDown();
            assertEquals(7, readFrame(muxIn).seqId(), "the call in flight is still answered");
            multiplexing.close();
            pooled.close();
            assertTrue(shutdown.get(WAIT_SECONDS, TimeUnit.SECONDS), "both clients left: a clean drain");
        }
    }

    @Test
    void shouldMoveToANewConnectionWhenAServerSendsAResetControlFrame() throws Exception
    {
        try (java.net.ServerSocket listener =
            new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress()))
        {
            listener.setSoTimeout((int)TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            final RpcClient client = RpcClient.create(ClientOptions.builder()
                .target("127.0.0.1:" + listener.getLocalPort()).callTimeout(Duration.ofSeconds(WAIT_SECONDS)).build());
            closeables.add(client);
            final CompletableFuture<Response> first = client.callAsync(Request.of("echo", new byte[3]));
            try (java.net.Socket old = listener.accept())
            {
                final java.io.DataInputStream in = new java.io.DataInputStream(old.getInputStream());
                final RpcFrame call = readFrame(in);
                // As a Kitex mux server shutting down: a control frame first, then the answer to the call in flight.
                old.getOutputStream().write(encode(new RpcFrame().format(FrameFormat.TTHEADER)
                    .messageType(ThriftMessageType.REPLY).method("none").seqId(0)
                    .body(new UnsafeBuffer(new byte[1]), 0, 1), StringInfoKeys.CONNECTION_RESET));
                old.getOutputStream().write(encode(new RpcFrame().format(call.format())
                    .messageType(ThriftMessageType.REPLY).method(call.method()).seqId(call.seqId())
                    .body(new UnsafeBuffer(new byte[3]), 0, 3), null));
                assertEquals(3, first.get(WAIT_SECONDS, TimeUnit.SECONDS).payload().capacity());

                // The next call goes to a new connection; the old one is closed after its last call.
                final CompletableFuture<Response> second = client.callAsync(Request.of("echo", new byte[4]));
                try (java.net.Socket fresh = listener.accept())
                {
                    final java.io.DataInputStream freshIn = new java.io.DataInputStream(fresh.getInputStream());
                    final RpcFrame next = readFrame(freshIn);
                    fresh.getOutputStream().write(encode(new RpcFrame().format(next.format())
                        .messageType(ThriftMessageType.REPLY).method(next.method()).seqId(next.seqId())
                        .body(new UnsafeBuffer(new byte[4]), 0, 4), null));
                    assertEquals(4, second.get(WAIT_SECONDS, TimeUnit.SECONDS).payload().capacity());
                    assertEquals(-1, in.read(), "the client closed the connection it was asked to reset");
                }
            }
            assertEquals(1, client.metrics().connectionResets());
            assertEquals(0, client.metrics().lateReplies(), "a control frame is not a late reply");
            assertEquals(0, client.metrics().failedCalls());
        }
    }

    private static byte[] encode(final RpcFrame frame, final String stringKey)
    {
        if (stringKey != null)
        {
            frame.header().stringInfo().put(stringKey, "1");
        }
        final byte[] bytes = new byte[RpcFrameCodec.encodedLength(frame)];
        RpcFrameCodec.encode(frame, new UnsafeBuffer(bytes), 0);
        return bytes;
    }

    private static java.net.Socket rawClient(final RpcServer server) throws java.io.IOException
    {
        final java.net.Socket socket = new java.net.Socket();
        socket.connect(server.boundAddress(TransportKind.TCP), 5_000);
        socket.setSoTimeout((int)TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return socket;
    }

    private static byte[] rawCall(final String method, final int seqId, final int flags)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
        final RpcFrame call = new RpcFrame().format(FrameFormat.TTHEADER).messageType(ThriftMessageType.CALL)
            .method(method).seqId(seqId).body(payload, 0, payload.capacity());
        call.header().flags(flags);
        return encode(call, null);
    }

    private static RpcFrame readFrame(final java.io.DataInputStream in) throws java.io.IOException
    {
        final int length = in.readInt();
        final byte[] frame = new byte[4 + length];
        new UnsafeBuffer(frame).putInt(0, length, java.nio.ByteOrder.BIG_ENDIAN);
        in.readFully(frame, 4, length);
        final RpcFrame decoded = new RpcFrame();
        RpcFrameCodec.decode(new UnsafeBuffer(frame), 0, frame.length, 1 << 20, decoded);
        return decoded;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldReportHandlerExceptionAsRemoteApplicationException(final TransportKind kind)
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            throw new IllegalArgumentException("no such user 17");
        }), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);

        final RemoteApplicationException ex =
            assertThrows(RemoteApplicationException.class, () -> client.call(Request.of("getUser", new byte[4])));
        assertEquals(6, ex.type());
        assertTrue(ex.getMessage().contains("no such user 17") && ex.getMessage().contains("'getUser'"),
            ex.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldSendTheHandlersOwnTypeAndTextWhenItThrowsRemoteApplicationException(final TransportKind kind)
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            throw new RemoteApplicationException(7, "relay: upstream sent a malformed frame");
        }), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);

        final RemoteApplicationException ex =
            assertThrows(RemoteApplicationException.class, () -> client.call(Request.of("relay", new byte[4])));
        assertEquals(7, ex.type());
        assertTrue(ex.getMessage().endsWith(": relay: upstream sent a malformed frame"), ex.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldSendTheCallersSeqIdAndRefuseASecondCallWithItWhileTheFirstIsInFlight(final TransportKind kind)
        throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = start(ServerOptions.builder((ctx, request) ->
        {
            if (ctx.method().equals("hold") && !release.await(WAIT_SECONDS, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("never released");
            }
            ctx.putResponseStringInfo("seen-seq", Integer.toString(ctx.seqId()));
            return request;
        }), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);

        final Response chosen = client.call(Request.builder("echo").payload(new UnsafeBuffer(new byte[4]))
            .seqId(7_000_001).build());
        assertEquals(7_000_001, chosen.seqId());
        assertEquals("7000001", chosen.stringInfo().get("seen-seq"));

        final CompletableFuture<Response> held = client.callAsync(Request.builder("hold")
            .payload(new UnsafeBuffer(new byte[4])).seqId(5).build());
        final RpcException duplicate = assertThrows(RpcException.class, () -> client.call(Request.builder("echo")
            .payload(new UnsafeBuffer(new byte[4])).seqId(5).build()));
        assertTrue(duplicate.getMessage().contains("same seq id"), duplicate.getMessage());
        release.countDown();
        assertEquals("5", held.get(WAIT_SECONDS, TimeUnit.SECONDS).stringInfo().get("seen-seq"));
    }

    @Test
    void shouldFailFastWithConnectFailedWhenNothingListens() throws Exception
    {
        final String address;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            address = "127.0.0.1:" + socket.getLocalPort();
        }
        final RpcClient client = RpcClient.create(ClientOptions.builder().target(address)
            .callTimeout(Duration.ofSeconds(WAIT_SECONDS)).build());
        closeables.add(client);
        final ConnectFailedException ex =
            assertThrows(ConnectFailedException.class, () -> client.call(Request.of("x", new byte[0])));
        assertTrue(ex.getMessage().contains(address), ex.getMessage());
        waitUntil(() -> client.metrics().failedCalls() == 1);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldLetPipelineHandlersSeePathAndAddInfoKeys(final TransportKind kind)
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
            }), kind);
        final List<CallInfo> seenByClient = new CopyOnWriteArrayList<>();
        final OutboundHandler tracer = (connection, message) ->
        {
            seenByClient.add(message.callInfo());
            message.frame().header().putStringInfo("trace", "t-" + message.frame().seqId());
        };
        final RpcClient client = client(ClientOptions.builder().outboundHandler(tracer), server, kind);

        // The same request three times: from its second call on its head is copied, and a handler's key still counts.
        final Request request = Request.of("traced", new byte[0]);
        for (int i = 0; i < 3; i++)
        {
            final Response response = client.call(request);
            assertEquals("t-" + response.seqId(), new String(bytes(response), StandardCharsets.UTF_8));
        }
        assertEquals(kind, seenByClient.get(0).transport());
        assertEquals(kind == TransportKind.TCP ? server.tcpAddress() : socket().toString(),
            seenByClient.get(0).address());
        assertEquals(kind, seenByServer.get(0).transport());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldDecodeReplyInPlaceWithResponseDecoder(final TransportKind kind)
    {
        final RpcServer server = start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request)), kind);
        final RpcClient client = client(ClientOptions.builder(), server, kind);
        final UnsafeBuffer request = ChecksumEcho.request(new Random(3), 4096);

        final boolean verified = client.call(Request.of(ChecksumEcho.METHOD, request),
            response -> ChecksumEcho.verify(request, response.payload()));

        assertTrue(verified);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldFailPendingCallsWithConnectionClosedWhenServerGoesAway(final TransportKind kind) throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch never = new CountDownLatch(1);
        final RpcServer server = RpcServer.start(withTransport(ServerOptions.builder((ctx, request) ->
        {
            started.countDown();
            never.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return request;
        }), kind).build());
        final RpcClient client = client(ClientOptions.builder(), server, kind);
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
            final RpcClient client = RpcClient.create(ClientOptions.builder()
                .target("127.0.0.1:" + listener.getLocalPort()).callTimeout(Duration.ofSeconds(WAIT_SECONDS)).build());
            closeables.add(client);

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
        catch (final ConnectFailedException ex)
        {
            return true;
        }
        catch (final RpcException ex)
        {
            return false; // connected before the drain began: accepted, and queued behind the blocked calls
        }
    }

    static Stream<Arguments> formatsAndTransports()
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final FrameFormat format : FrameFormat.values())
        {
            for (final TransportKind kind : TransportKind.values())
            {
                arguments.add(Arguments.of(format, kind));
            }
        }
        return arguments.stream();
    }

    private Path socket()
    {
        return dir.resolve("rpc.sock");
    }

    /**
     * A server listens on TCP always, and on shared memory too for an SHM test.
     */
    private ServerOptions.Builder withTransport(final ServerOptions.Builder builder, final TransportKind kind)
    {
        if (kind == TransportKind.SHM)
        {
            builder.shm().enabled(true).path(socket().toString());
        }
        return builder;
    }

    private RpcServer start(final ServerOptions.Builder builder, final TransportKind kind)
    {
        final RpcServer server = RpcServer.start(withTransport(builder, kind).drainTimeout(Duration.ofSeconds(1))
            .build());
        closeables.add(server);
        return server;
    }

    private RpcClient client(final ClientOptions.Builder builder, final RpcServer server, final TransportKind kind)
    {
        // Not the 1 s default: a handshake held up on a loaded machine would quietly fall back to TCP.
        builder.target(server.tcpAddress()).callTimeout(Duration.ofSeconds(WAIT_SECONDS))
            .connectTimeout(Duration.ofSeconds(WAIT_SECONDS));
        if (kind == TransportKind.SHM)
        {
            builder.shm().enabled(true).path(socket().toString());
        }
        final RpcClient client = RpcClient.create(builder.build());
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
