package io.shmipc.transport;

import io.shmipc.transport.codec.ApplicationExceptionCodec;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server built with an {@link AsyncRpcHandler} answers each call when the handler's stage completes, from whatever
 * thread completes it, with the request still readable until then; failures and drains behave as with a plain
 * handler.
 */
@Timeout(60)
class AsyncHandlerTest
{
    private static final long WAIT_SECONDS = TestPeers.TIMEOUT.toSeconds();
    private static final long ANSWER_DELAY_MILLIS = 20;

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopScheduler()
    {
        later.shutdownNow();
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldAnswerWhenTheStageCompletesWithTheRequestStillReadableMeanwhile(final TransportKind kind)
        throws Exception
    {
        final AtomicInteger pending = new AtomicInteger();
        final AtomicInteger mostPending = new AtomicInteger();
        final RpcServer server = start(kind, (ctx, request) ->
        {
            mostPending.accumulateAndGet(pending.incrementAndGet(), Math::max);
            final CompletableFuture<DirectBuffer> answer = new CompletableFuture<>();
            // The payload is read only now, long after handle returned: the transport must not have released it.
            later.schedule(() ->
            {
                ctx.putResponseStringInfo("answered", "later");
                pending.decrementAndGet();
                answer.complete(ChecksumEcho.respond(request));
            }, ANSWER_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            return answer;
        });
        final RpcClient client = peers.client(kind, server);

        final int calls = 200;
        final Random random = new Random(11);
        final List<UnsafeBuffer> requests = new ArrayList<>();
        final List<CompletableFuture<Response>> replies = new ArrayList<>();
        for (int i = 0; i < calls; i++)
        {
            requests.add(ChecksumEcho.request(random, 1 + random.nextInt(8 * 1024)));
            replies.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(i))));
        }
        for (int i = 0; i < calls; i++)
        {
            final Response response = replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(ChecksumEcho.verify(requests.get(i), response.payload()), "call " + i + " intact");
            assertEquals("later", response.stringInfo().get("answered"));
            assertEquals(kind, response.callInfo().transport());
        }
        assertTrue(mostPending.get() > 1, "calls waited for their answers side by side: " + mostPending.get());
        // A call leaves the server's count just after its reply is written, so the client may be a moment ahead.
        RpcTest.waitUntil(() -> server.metrics().inFlight() == 0);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldSendWhatTheStageFailedWithOrTheHandlerThrew(final TransportKind kind) throws Exception
    {
        final RpcServer server = start(kind, (ctx, request) -> switch (ctx.method())
        {
            case "refused" -> CompletableFuture.failedFuture(
                new RemoteApplicationException(ApplicationExceptionCodec.UNKNOWN_METHOD, "no such thing here"));
            case "broken" -> CompletableFuture.supplyAsync(() ->
            {
                throw new IllegalStateException("the work failed");
            }, later);
            default -> throw new IllegalArgumentException("refused at once");
        });
        final RpcClient client = peers.client(kind, server);

        final RemoteApplicationException refused = assertThrows(RemoteApplicationException.class,
            () -> client.call(Request.of("refused", new byte[4])));
        assertEquals(ApplicationExceptionCodec.UNKNOWN_METHOD, refused.type());
        assertEquals("no such thing here", refused.remoteMessage());
        final RemoteApplicationException broken = assertThrows(RemoteApplicationException.class,
            () -> client.call(Request.of("broken", new byte[4])));
        assertEquals(ApplicationExceptionCodec.INTERNAL_ERROR, broken.type());
        assertTrue(broken.remoteMessage().contains("IllegalStateException: the work failed"), broken.remoteMessage());
        final RemoteApplicationException thrown = assertThrows(RemoteApplicationException.class,
            () -> client.call(Request.of("thrown", new byte[4])));
        assertTrue(thrown.remoteMessage().contains("refused at once"), thrown.remoteMessage());
        // A call leaves the server's count just after its reply is written, so the client may be a moment ahead.
        RpcTest.waitUntil(() -> server.metrics().inFlight() == 0);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldDrainCallsWhoseAnswersAreStillToComeOnShutdown(final TransportKind kind) throws Exception
    {
        // What the work waits for; the handler's stage answers once it comes.
        final List<CompletableFuture<Void>> releases = new CopyOnWriteArrayList<>();
        final RpcServer server = start(kind, (ctx, request) ->
        {
            final CompletableFuture<Void> release = new CompletableFuture<>();
            releases.add(release);
            return release.thenApply(ignored -> ChecksumEcho.respond(request));
        });
        final RpcClient client = peers.client(kind, server);
        final Random random = new Random(3);
        final List<UnsafeBuffer> requests = new ArrayList<>();
        final List<CompletableFuture<Response>> replies = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            requests.add(ChecksumEcho.request(random, 512));
            replies.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(i))));
        }
        RpcTest.waitUntil(() -> server.metrics().inFlight() == 3);

        final CompletableFuture<Boolean> shutdown =
            CompletableFuture.supplyAsync(() -> server.shutdown(Duration.ofSeconds(WAIT_SECONDS)), later);
        Thread.sleep(300);
        assertFalse(shutdown.isDone(), "shutdown waits for the answers still to come");
        releases.forEach(release -> release.complete(null));
        assertTrue(shutdown.get(WAIT_SECONDS, TimeUnit.SECONDS), "every call answered: a clean drain");
        for (int i = 0; i < 3; i++)
        {
            assertTrue(ChecksumEcho.verify(requests.get(i), replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS)
                .payload()));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldLetGoOfACallWhoseClientLeftBeforeItsAnswerAndKeepServing(final TransportKind kind) throws Exception
    {
        final CompletableFuture<Void> release = new CompletableFuture<>();
        final RpcServer server = start(kind, (ctx, request) -> ctx.method().equals("held") ?
            release.thenApply(ignored -> ChecksumEcho.respond(request)) :
            CompletableFuture.completedFuture(ChecksumEcho.respond(request)));
        final RpcClient leaving = peers.client(kind, server);
        final CompletableFuture<Response> orphan = leaving.callAsync(Request.of("held", ChecksumEcho.request(
            new Random(1), 2048)));
        RpcTest.waitUntil(() -> server.metrics().inFlight() == 1);
        orphan.cancel(false);
        leaving.close();

        // The answer comes after its client and connection are gone: written nowhere, the request let go.
        release.complete(null);
        RpcTest.waitUntil(() -> server.metrics().inFlight() == 0);
        final RpcClient next = peers.client(kind, server);
        final UnsafeBuffer request = ChecksumEcho.request(new Random(2), 4096);
        assertTrue(ChecksumEcho.verify(request, next.call(Request.of(ChecksumEcho.METHOD, request)).payload()));
        assertEquals(kind, next.call(Request.of(ChecksumEcho.METHOD, request)).callInfo().transport());
    }

    private RpcServer start(final TransportKind kind, final AsyncRpcHandler handler)
    {
        return peers.start(kind, ServerOptions.asyncBuilder(handler).executorThreads(1)
            .drainTimeout(Duration.ofSeconds(1)));
    }
}
