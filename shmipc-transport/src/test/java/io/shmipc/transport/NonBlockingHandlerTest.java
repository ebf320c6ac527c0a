package io.shmipc.transport;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server whose handler is declared non-blocking serves each call on the thread that read it, over shared memory
 * and over TCP alike; calls stay correlated, deadlines and blocking callers behave as with the executor.
 */
@Timeout(60)
class NonBlockingHandlerTest
{
    private static final long WAIT_SECONDS = TestPeers.TIMEOUT.toSeconds();
    private static final String EXECUTOR_THREAD_PREFIX = "shmipc-server-handler-";

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldServeCallsOneAtATimeOnTheReadingThreadWhenHandlerIsNonBlocking(final TransportKind kind)
        throws Exception
    {
        final Set<String> servingThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final RpcServer server = start(kind, (ctx, request) ->
        {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            servingThreads.add(Thread.currentThread().getName());
            running.decrementAndGet();
            return ChecksumEcho.respond(request);
        });
        final RpcClient client = peers.client(kind, server);

        final int calls = 64;
        final Random random = new Random(5);
        final List<UnsafeBuffer> requests = new ArrayList<>();
        final List<CompletableFuture<Response>> replies = new ArrayList<>();
        for (int i = 0; i < calls; i++)
        {
            requests.add(ChecksumEcho.request(random, random.nextInt(16 * 1024)));
            replies.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(i))));
        }
        for (int i = 0; i < calls; i++)
        {
            final Response response = replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(ChecksumEcho.verify(requests.get(i), response.payload()), "payload of call " + i);
            assertEquals(kind, response.callInfo().transport());
        }
        assertEquals(1, server.connectionCount());
        assertEquals(1, mostAtOnce.get(), "one connection's calls are served one after another");
        assertFalse(servingThreads.stream().anyMatch(name -> name.startsWith(EXECUTOR_THREAD_PREFIX)),
            "no call was handed to the executor: " + servingThreads);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldKeepBlockingCallersRepliesApartWhenManyThreadsCallAtOnce(final TransportKind kind) throws Exception
    {
        final RpcServer server = start(kind, (ctx, request) -> ChecksumEcho.respond(request));
        final RpcClient client = peers.client(kind, server);

        final int threads = 4;
        final int callsEach = 200;
        final List<CompletableFuture<Integer>> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final Random random = new Random(t);
            callers.add(CompletableFuture.supplyAsync(() ->
            {
                for (int i = 0; i < callsEach; i++)
                {
                    final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(2048));
                    final Response response = client.call(Request.of(ChecksumEcho.METHOD, request));
                    if (!ChecksumEcho.verify(request, response.payload()) || response.callInfo().transport() != kind)
                    {
                        return i;
                    }
                }
                return callsEach;
            }, runnable -> new Thread(runnable, "blocking-caller").start())); // at once, not as the pool allows
        }
        for (final CompletableFuture<Integer> caller : callers)
        {
            assertEquals(callsEach, caller.get(WAIT_SECONDS * 3, TimeUnit.SECONDS), "calls answered correctly");
        }
        RpcTest.waitUntil(() -> client.metrics().inFlight() == 0);
        assertEquals(0, client.metrics().failedCalls());
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldTimeOutBothBlockingAndAsynchronousCallsWhenNoReplyComes(final TransportKind kind) throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final RpcServer server = start(kind, (ctx, request) ->
        {
            // Blocks despite the declaration, to hold the reply back; released at the end of the test.
            release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return request;
        });
        final RpcClient client = peers.client(kind, server);
        try
        {
            final CompletableFuture<Response> async =
                client.callAsync(Request.builder("async").timeout(Duration.ofMillis(200)).build());
            final long start = System.nanoTime();
            final CallTimeoutException blocking = assertThrows(CallTimeoutException.class,
                () -> client.call(Request.builder("blocking").timeout(Duration.ofMillis(300)).build()));
            final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMillis >= 250 && elapsedMillis < 5_000, "timed out after " + elapsedMillis + " ms");
            assertTrue(blocking.getMessage().contains("'blocking'") && blocking.getMessage().contains("300 ms"),
                blocking.getMessage());

            final ExecutionException asyncFailure =
                assertThrows(ExecutionException.class, () -> async.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertInstanceOf(CallTimeoutException.class, asyncFailure.getCause());
            assertTrue(asyncFailure.getCause().getMessage().contains("200 ms"), asyncFailure.getCause().getMessage());
        }
        finally
        {
            release.countDown();
        }
        RpcTest.waitUntil(() -> client.metrics().timedOutCalls() == 2 && client.metrics().inFlight() == 0);
    }

    @ParameterizedTest(name = "{0}, non-blocking handler {1}")
    @org.junit.jupiter.params.provider.CsvSource({"SHM,true", "SHM,false", "TCP,true", "TCP,false"})
    void shouldReportEveryConnectionInactiveWhenTheServerShutsDown(final TransportKind kind, final boolean nonBlocking)
        throws Exception
    {
        final List<String> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ServerOptions.Builder builder = ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .nonBlockingHandler(nonBlocking)
            .drainTimeout(Duration.ofSeconds(1))
            .inboundHandler(new io.shmipc.transport.remote.InboundHandler()
            {
                @Override
                public void onInactive(final io.shmipc.transport.remote.Connection connection)
                {
                    ended.add(connection.kind() + " " + connection.remoteAddress());
                }
            });
        final RpcServer server = peers.start(kind, builder);
        final RpcClient client = peers.client(kind, server);
        final UnsafeBuffer request = ChecksumEcho.request(new Random(9), 100);
        assertTrue(ChecksumEcho.verify(request, client.call(Request.of(ChecksumEcho.METHOD, request)).payload()));
        assertEquals(1, server.connectionCount());

        server.close();
        if (kind == TransportKind.SHM && nonBlocking)
        {
            // Nothing reads an event-driven connection once its stream is closed locally: the close itself ends it.
            assertEquals(0, server.connectionCount(), "no shm connection left once close returned");
        }
        RpcTest.waitUntil(() -> server.connectionCount() == 0 && ended.size() == 1);
        assertTrue(ended.get(0).startsWith(kind.name()), ended.toString());
    }

    private RpcServer start(final TransportKind kind, final RpcHandler handler)
    {
        return peers.start(kind, ServerOptions.builder(handler).nonBlockingHandler(true)
            .drainTimeout(Duration.ofSeconds(1)));
    }
}
