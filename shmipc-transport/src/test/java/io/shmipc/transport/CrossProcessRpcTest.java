package io.shmipc.transport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This JVM calls an {@link RpcServer} running in a second JVM ({@link EchoServerMain}), over shared memory and over
 * TCP, with checksummed payloads; and keeps calling while that server process is killed and started again.
 */
@Timeout(120)
class CrossProcessRpcTest
{
    private static final int CALLS = 200;
    private static final int WINDOW = 16;
    private static final long CALL_SECONDS = 20;
    private static final long PHASE_SECONDS = 30;
    private static final int LOAD_THREADS = 4;
    private static final int CALLS_PER_PHASE = 200;
    private static final long FAILURE_BACKOFF_MILLIS = 25;

    @TempDir
    Path dir;

    @Test
    void shouldGiveIdenticalChecksummedResultsOverShmAndTcpFromAnotherJvm() throws Exception
    {
        final Path envSocket = dir.resolve("from-env.sock");
        final Path propertySocket = dir.resolve("from-property.sock");
        // The real environment and a real system property of the server process: the property wins.
        try (ChildJvm server = ChildJvm.start(EchoServerMain.class, List.of(),
            Map.of("SHMIPC_ENABLE", "true", "SHMIPC_PATH", envSocket.toString()),
            Map.of("shmipc.path", propertySocket.toString()), dir))
        {
            final String tcpAddress = server.awaitLine(EchoServerMain.READY_PREFIX);
            assertTrue(Files.exists(propertySocket), "listening where the system property says");
            assertFalse(Files.exists(envSocket), "not where the environment says");

            // Not the 1 s default connect timeout: the server JVM answers its first handshakes cold, and one held
            // up on a loaded machine would quietly fall back to TCP.
            final ClientOptions.Builder shm = ClientOptions.builder().target(tcpAddress)
                .connectTimeout(Duration.ofSeconds(CALL_SECONDS));
            shm.shm().enabled(true).path(propertySocket.toString());
            final ClientOptions.Builder tcp = ClientOptions.builder().suite(EnvironmentSuite.of(new Properties(),
                Map.of("SHMIPC_ENABLE", "0", "SHMIPC_PATH", propertySocket.toString(),
                "SHMIPC_FALLBACK_ADDR", tcpAddress)));

            final List<Long> overShm = callMany(shm.build(), TransportKind.SHM);
            final List<Long> overTcp = callMany(tcp.build(), TransportKind.TCP);

            assertEquals(CALLS, overShm.size());
            assertEquals(overShm, overTcp, "the same requests give byte-identical replies on both paths");
            assertEquals(0, server.stop(), server.stderr());
        }
    }

    @Test
    void shouldReconnectAfterTheServerProcessIsKilledAndRestartedUnderLoad() throws Exception
    {
        final Path socket = dir.resolve("restart.sock");
        final String tcpAddress = "127.0.0.1:" + freePort();
        final Map<String, String> env = Map.of("SHMIPC_ENABLE", "true", "SHMIPC_PATH", socket.toString());
        final ClientOptions.Builder options = ClientOptions.builder().target(tcpAddress)
            .connectTimeout(Duration.ofSeconds(1)).callTimeout(Duration.ofSeconds(5))
            .shmRetryInterval(Duration.ofMillis(200));
        options.shm().enabled(true).path(socket.toString());

        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong shmSuccesses = new AtomicLong();
        final AtomicLong slowest = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        try (RpcClient client = RpcClient.create(options.build());
            ChildJvm first = ChildJvm.start(EchoServerMain.class, List.of(tcpAddress), env, Map.of(), dir))
        {
            first.awaitLine(EchoServerMain.READY_PREFIX);
            final List<CompletableFuture<Void>> load = new ArrayList<>();
            for (int t = 0; t < LOAD_THREADS; t++)
            {
                final Random random = new Random(t);
                // A thread per load loop: the loops block, and must not hold the common pool's threads.
                load.add(CompletableFuture.runAsync(() ->
                {
                    while (running.get())
                    {
                        final UnsafeBuffer request = ChecksumEcho.request(random, 1 + random.nextInt(4096));
                        final long start = System.nanoTime();
                        try
                        {
                            final Response response = client.call(Request.of(ChecksumEcho.METHOD, request));
                            assertTrue(ChecksumEcho.verify(request, response.payload()), "damaged reply");
                            if (response.callInfo().transport() == TransportKind.SHM)
                            {
                                shmSuccesses.incrementAndGet();
                            }
                        }
                        catch (final RpcException ex)
                        {
                            failures.add(ex);
                            sleepQuietly(FAILURE_BACKOFF_MILLIS);
                        }
                        slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                    }
                }, runnable -> new Thread(runnable, "rpc-load").start()));
            }
            awaitAtLeast(shmSuccesses::get, CALLS_PER_PHASE, "calls over shm before the kill");

            first.kill();
            final long beforeRestart = shmSuccesses.get();
            awaitAtLeast(failures::size, LOAD_THREADS, "failed calls while the server is gone");
            try (ChildJvm second = ChildJvm.start(EchoServerMain.class, List.of(tcpAddress), env, Map.of(), dir))
            {
                second.awaitLine(EchoServerMain.READY_PREFIX);
                awaitAtLeast(shmSuccesses::get, beforeRestart + CALLS_PER_PHASE, "calls over shm after the restart");
                running.set(false);
                CompletableFuture.allOf(load.toArray(new CompletableFuture[0])).get(CALL_SECONDS, TimeUnit.SECONDS);
                assertEquals(0, second.stop(), second.stderr());
            }
        }
        finally
        {
            running.set(false);
        }
        for (final Throwable failure : failures)
        {
            // A clear failure: the connection went, or nothing was there to connect to; never a hang or a timeout.
            assertTrue(failure instanceof ConnectionClosedException || failure instanceof ConnectFailedException,
                () -> "unexpected failure " + failure);
            assertTrue(failure.getMessage() != null && !failure.getMessage().isBlank());
        }
        assertTrue(slowest.get() < TimeUnit.SECONDS.toNanos(5), "slowest call " + slowest.get() / 1_000_000 + " ms");
    }

    private List<Long> callMany(final ClientOptions options, final TransportKind expected) throws Exception
    {
        final List<Long> checksums = new ArrayList<>();
        try (RpcClient client = RpcClient.create(options))
        {
            final Random random = new Random(2024);
            for (int start = 0; start < CALLS; start += WINDOW)
            {
                final List<UnsafeBuffer> requests = new ArrayList<>();
                final List<CompletableFuture<Response>> replies = new ArrayList<>();
                for (int i = 0; i < WINDOW && start + i < CALLS; i++)
                {
                    final int size = random.nextInt(20) == 0 ? 200_000 + random.nextInt(300_000) :
                        random.nextInt(2048);
                    requests.add(ChecksumEcho.request(random, size));
                    replies.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(i))));
                }
                for (int i = 0; i < replies.size(); i++)
                {
                    final Response response = replies.get(i).get(CALL_SECONDS, TimeUnit.SECONDS);
                    assertTrue(ChecksumEcho.verify(requests.get(i), response.payload()),
                        "call " + (start + i) + " came back damaged");
                    assertEquals(expected, response.callInfo().transport());
                    checksums.add(crc(response.payload()));
                }
            }
            assertEquals(CALLS, client.metrics().calls(expected));
            assertEquals(0, client.metrics().failedCalls());
            assertEquals(0, client.metrics().fallbacks());
        }
        return checksums;
    }

    private static long crc(final DirectBuffer payload)
    {
        final byte[] bytes = new byte[payload.capacity()];
        payload.getBytes(0, bytes);
        final CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    private static void awaitAtLeast(final LongSupplier count, final long target, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS);
        while (count.getAsLong() < target)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError(what + ": " + count.getAsLong() + " of " + target + " within " +
                    PHASE_SECONDS + " s");
            }
            sleepQuietly(10);
        }
    }

    private static int freePort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static void sleepQuietly(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
