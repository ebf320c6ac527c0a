package io.shmipc.transport;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One server, one handler, shared memory and TCP accepted at the same time: clients on both paths call it at once.
 */
@Timeout(60)
class MultiTransportServerTest
{
    private static final int CALLS_PER_CLIENT = 200;

    @TempDir
    Path dir;

    @Test
    void shouldServeShmAndTcpClientsAtOnceWithOneHandler() throws Exception
    {
        final Path socket = dir.resolve("both.sock");
        final Set<TransportKind> seenByHandler = ConcurrentHashMap.newKeySet();
        final ServerOptions.Builder options = ServerOptions.builder((ctx, request) ->
        {
            seenByHandler.add(ctx.callInfo().transport());
            return ChecksumEcho.respond(request);
        }).drainTimeout(Duration.ofSeconds(1));
        options.shm().enabled(true).path(socket.toString());
        try (RpcServer server = RpcServer.start(options.build()))
        {
            assertEquals(UnixDomainSocketAddress.of(socket), server.boundAddress(TransportKind.SHM));
            // Not the 1 s default connect timeout: a handshake held up on a loaded machine would fall back to TCP.
            final ClientOptions.Builder shm = ClientOptions.builder().target(server.tcpAddress())
                .connectTimeout(Duration.ofSeconds(10));
            shm.shm().enabled(true).path(socket.toString());
            final ClientOptions.Builder tcp = ClientOptions.builder().target(server.tcpAddress());
            try (RpcClient shmClient = RpcClient.create(shm.build());
                RpcClient tcpClient = RpcClient.create(tcp.build()))
            {
                final List<CompletableFuture<Void>> callers = new ArrayList<>();
                // A thread each, so that both clients really call at once (the common pool may have one thread).
                callers.add(CompletableFuture.runAsync(() -> callMany(shmClient, TransportKind.SHM, 1),
                    runnable -> new Thread(runnable, "shm-caller").start()));
                callers.add(CompletableFuture.runAsync(() -> callMany(tcpClient, TransportKind.TCP, 2),
                    runnable -> new Thread(runnable, "tcp-caller").start()));
                CompletableFuture.allOf(callers.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            }
            assertEquals(CALLS_PER_CLIENT, server.metrics().calls(TransportKind.SHM));
            assertEquals(CALLS_PER_CLIENT, server.metrics().calls(TransportKind.TCP));
            assertEquals(Set.of(TransportKind.SHM, TransportKind.TCP), seenByHandler);
        }
    }

    private static void callMany(final RpcClient client, final TransportKind expected, final long seed)
    {
        final Random random = new Random(seed);
        for (int i = 0; i < CALLS_PER_CLIENT; i++)
        {
            final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(20_000));
            final Response response = client.call(Request.of(ChecksumEcho.METHOD, request));
            assertTrue(ChecksumEcho.verify(request, response.payload()), "call " + i + " over " + expected);
            assertEquals(expected, response.callInfo().transport());
        }
    }
}
