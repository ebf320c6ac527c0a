package io.shmipc.transport;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Thirty-two asynchronous calls in flight on one connection to a non-blocking server, each chain issuing its next
 * call from the completion of the previous one (on the client's reading thread), and the same with blocking callers
 * mixed in: replies and new calls cross on the same connection all the time, and the server replies on the thread
 * that reads. Every call must complete, byte for byte, and none may end on its deadline.
 */
@Timeout(120)
class AsyncOnOneConnectionTest
{
    private static final int CHAINS = 32;
    private static final int ROUNDS = 2_000;
    private static final int MAX_PAYLOAD_BYTES = 256;
    private static final long CHAIN_WAIT_SECONDS = 60;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private RpcServer server;

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
    void shouldCompleteEveryChainedCallWhenThirtyTwoAsyncCallsShareOneConnection(final TransportKind kind)
        throws Exception
    {
        final RpcClient client = clientOfOneConnection(kind, "async.sock");

        final List<CompletableFuture<Integer>> chains = new ArrayList<>();
        for (int c = 0; c < CHAINS; c++)
        {
            final CompletableFuture<Integer> done = new CompletableFuture<>();
            chains.add(done);
            callNext(client, new Random(c), 0, ROUNDS, done);
        }
        for (final CompletableFuture<Integer> chain : chains)
        {
            assertEquals(ROUNDS, chain.get(CHAIN_WAIT_SECONDS, TimeUnit.SECONDS));
        }

        assertEquals(CHAINS * (long)ROUNDS, client.metrics().calls(kind));
        assertEquals(0, client.metrics().timedOutCalls(), "no call waited for its deadline");
        assertEquals(0, client.metrics().failedCalls());
        assertEquals(1, server.connectionCount(), "all calls shared one connection");
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldCompleteEveryCallWhenBlockingCallersAndAsyncChainsShareOneConnection(final TransportKind kind)
        throws Exception
    {
        final int blockingThreads = 4;
        final int chains = 8;
        final int rounds = 1_000;
        final RpcClient client = clientOfOneConnection(kind, "mixed.sock");

        final List<CompletableFuture<Integer>> work = new ArrayList<>();
        for (int c = 0; c < chains; c++)
        {
            final CompletableFuture<Integer> done = new CompletableFuture<>();
            work.add(done);
            callNext(client, new Random(c), 0, rounds, done);
        }
        // Blocking callers read replies themselves while the chains' replies arrive on the same stream: whichever
        // thread holds the stream must leave nothing unread for the others.
        for (int t = 0; t < blockingThreads; t++)
        {
            final Random random = new Random(1_000 + t);
            work.add(CompletableFuture.supplyAsync(() ->
            {
                for (int i = 0; i < rounds; i++)
                {
                    final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(MAX_PAYLOAD_BYTES));
                    final Response response = client.call(Request.of(ChecksumEcho.METHOD, request));
                    if (!ChecksumEcho.verify(request, response.payload()))
                    {
                        throw new AssertionError("blocking reply " + i + " does not match its call");
                    }
                }
                return rounds;
            }, runnable -> new Thread(runnable, "blocking-caller").start()));
        }
        for (final CompletableFuture<Integer> done : work)
        {
            assertEquals(rounds, done.get(CHAIN_WAIT_SECONDS, TimeUnit.SECONDS));
        }
        assertEquals((long)(chains + blockingThreads) * rounds, client.metrics().calls(kind));
        assertEquals(0, client.metrics().timedOutCalls(), "no call waited for its deadline");
        assertEquals(0, client.metrics().failedCalls());
    }

    /**
     * A non-blocking checksum-echo server over {@code kind}, and a client holding one connection to it.
     */
    private RpcClient clientOfOneConnection(final TransportKind kind, final String socketName)
    {
        final ServerOptions.Builder serverOptions = ServerOptions
            .builder((ctx, request) -> ChecksumEcho.respond(request))
            .nonBlockingHandler(true)
            .drainTimeout(Duration.ofSeconds(1));
        final ClientOptions.Builder clientOptions = ClientOptions.builder()
            .connectionsPerAddress(1)
            .callTimeout(Duration.ofSeconds(CHAIN_WAIT_SECONDS / 2))
            // Not the 1 s default: a handshake held up on a loaded machine would quietly fall back to TCP.
            .connectTimeout(Duration.ofSeconds(CHAIN_WAIT_SECONDS / 2));
        if (kind == TransportKind.SHM)
        {
            serverOptions.shm().enabled(true).path(dir.resolve(socketName).toString());
            clientOptions.shm().enabled(true).concurrency(1).path(dir.resolve(socketName).toString());
        }
        server = RpcServer.start(serverOptions.build());
        closeables.add(server);
        final RpcClient client = RpcClient.create(clientOptions.target(server.tcpAddress()).build());
        closeables.add(client);
        return client;
    }

    /**
     * Call, and from the call's completion make the chain's next call, until {@code rounds} calls are done.
     */
    private static void callNext(final RpcClient client, final Random random, final int round, final int rounds,
        final CompletableFuture<Integer> done)
    {
        if (round == rounds)
        {
            done.complete(round);
            return;
        }
        final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(MAX_PAYLOAD_BYTES));
        client.callAsync(Request.of(ChecksumEcho.METHOD, request)).whenComplete((response, error) ->
        {
            if (error != null)
            {
                done.completeExceptionally(error);
            }
            else if (!ChecksumEcho.verify(request, response.payload()))
            {
                done.completeExceptionally(new AssertionError("reply " + round + " does not match its call"));
            }
            else
            {
                callNext(client, random, round + 1, rounds, done);
            }
        });
    }
}
