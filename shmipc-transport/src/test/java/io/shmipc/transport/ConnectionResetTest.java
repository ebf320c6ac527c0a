package io.shmipc.transport;

import io.shmipc.transport.codec.FramedThriftCodec;
import io.shmipc.transport.remote.Connection;
import io.shmipc.transport.remote.Dialer;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.tcp.TcpDialer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server that shuts down gracefully asks its clients to reset their connections (TTHeader {@code crrst} on every
 * reply of the drain); clients move their calls to a fresh connection, which service discovery now points at a
 * second server, and close the old one once its calls are done. Under a steady stream of calls, none fails.
 * <p>
 * "Discovery" is real addressing: over shared memory the client's control socket path is a symbolic link that is
 * switched to the new server's socket; over TCP the client's dialer resolves its target to the new server's port.
 */
@Timeout(120)
class ConnectionResetTest
{
    private static final long WAIT_SECONDS = 20;
    private static final int CALLS_BEFORE_SWITCH = 200;
    private static final int CALLS_AFTER_SWITCH = 200;
    private static final int BLOCKING_CALLERS = 3;
    private static final int ASYNC_BATCH = 8;
    private static final long MAX_CALLS_PER_CALLER = 1_000_000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void closeAll() throws Exception
    {
        callers.shutdownNow();
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shouldMoveCallsToTheNewServerWithoutFailuresWhenTheOldOneDrains(final TransportKind kind) throws Exception
    {
        final RpcServer old = start(kind, "old");
        final RpcServer next = start(kind, "next");
        final Path link = dir.resolve("service.sock");
        final Redirect tcpTarget = new Redirect(old.tcpAddress());
        if (kind == TransportKind.SHM)
        {
            Files.createSymbolicLink(link, socket("old"));
        }
        final RpcClient client = client(kind, old, link, tcpTarget);

        final AtomicBoolean stop = new AtomicBoolean();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < BLOCKING_CALLERS; i++)
        {
            final Random random = new Random(i);
            running.add(callers.submit(() -> callBlocking(client, random, stop, failures)));
        }
        running.add(callers.submit(() -> callAsync(client, new Random(99), stop, failures)));

        waitUntil(() -> old.metrics().calls(kind) >= CALLS_BEFORE_SWITCH || !failures.isEmpty());
        // Discovery now names the new server; the old one is told to go.
        if (kind == TransportKind.SHM)
        {
            final Path swap = dir.resolve("service.sock.new");
            Files.createSymbolicLink(swap, socket("next"));
            Files.move(swap, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        tcpTarget.address = next.tcpAddress();
        final CompletableFuture<Boolean> drained =
            CompletableFuture.supplyAsync(() -> old.shutdown(Duration.ofSeconds(WAIT_SECONDS)));

        waitUntil(() -> next.metrics().calls(kind) >= CALLS_AFTER_SWITCH || !failures.isEmpty());
        assertTrue(drained.get(WAIT_SECONDS, TimeUnit.SECONDS), "the old server drained every call");
        stop.set(true);
        for (final Future<?> caller : running)
        {
            caller.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        assertEquals(List.of(), failures, "no call failed");
        assertEquals(0, client.metrics().failedCalls());
        assertTrue(client.metrics().connectionResets() >= 1, "the old server asked for a reset");
        waitUntil(() -> client.metrics().retiredConnections() == client.metrics().connectionResets());
        // A shared-memory connection leaves the count on its reading thread, which may finish just after shutdown.
        waitUntil(() -> old.connectionCount() == 0);
        assertTrue(next.metrics().calls(kind) >= CALLS_AFTER_SWITCH);
    }

    private static void callBlocking(final RpcClient client, final Random random, final AtomicBoolean stop,
        final List<Throwable> failures)
    {
        for (long i = 0; i < MAX_CALLS_PER_CALLER && !stop.get() && failures.isEmpty(); i++)
        {
            final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(4096));
            try
            {
                final Response response = client.call(Request.of(ChecksumEcho.METHOD, request));
                if (!ChecksumEcho.verify(request, response.payload()))
                {
                    failures.add(new AssertionError("reply " + i + " does not match its call"));
                }
            }
            catch (final RuntimeException ex)
            {
                failures.add(ex);
            }
        }
    }

    private static void callAsync(final RpcClient client, final Random random, final AtomicBoolean stop,
        final List<Throwable> failures)
    {
        for (long i = 0; i < MAX_CALLS_PER_CALLER && !stop.get() && failures.isEmpty(); i += ASYNC_BATCH)
        {
            final List<UnsafeBuffer> requests = new ArrayList<>();
            final List<CompletableFuture<Response>> replies = new ArrayList<>();
            for (int j = 0; j < ASYNC_BATCH; j++)
            {
                requests.add(ChecksumEcho.request(random, random.nextInt(4096)));
                replies.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(j))));
            }
            for (int j = 0; j < ASYNC_BATCH; j++)
            {
                try
                {
                    if (!ChecksumEcho.verify(requests.get(j), replies.get(j).get(WAIT_SECONDS, TimeUnit.SECONDS)
                        .payload()))
                    {
                        failures.add(new AssertionError("async reply does not match its call"));
                    }
                }
                catch (final Exception ex)
                {
                    failures.add(ex);
                }
            }
        }
    }

    private RpcServer start(final TransportKind kind, final String name)
    {
        final ServerOptions.Builder builder = ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request));
        if (kind == TransportKind.SHM)
        {
            builder.shm().enabled(true).path(socket(name).toString());
        }
        final RpcServer server = RpcServer.start(builder.drainTimeout(Duration.ofSeconds(WAIT_SECONDS)).build());
        closeables.add(server);
        return server;
    }

    private RpcClient client(final TransportKind kind, final RpcServer old, final Path link, final Redirect target)
    {
        final ClientOptions.Builder builder = ClientOptions.builder()
            .target(old.tcpAddress())
            .connectionsPerAddress(2)
            .callTimeout(Duration.ofSeconds(WAIT_SECONDS))
            // Not the 1 s default: a handshake held up on a loaded machine would quietly fall back to TCP.
            .connectTimeout(Duration.ofSeconds(WAIT_SECONDS));
        if (kind == TransportKind.SHM)
        {
            builder.shm().enabled(true).concurrency(1).path(link.toString());
        }
        else
        {
            builder.dialer(new RedirectingDialer(
                new TcpDialer(1, false, FramedThriftCodec.THRIFT_DEFAULT_MAX_FRAME_SIZE), target));
        }
        final RpcClient client = RpcClient.create(builder.build());
        closeables.add(client);
        return client;
    }

    private Path socket(final String name)
    {
        return dir.resolve(name + ".sock");
    }

    private static void waitUntil(final BooleanSupplier condition) throws InterruptedException
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

    /**
     * Where service discovery says the service is now.
     */
    private static final class Redirect
    {
        volatile String address;

        Redirect(final String address)
        {
            this.address = address;
        }
    }

    /**
     * Dials wherever discovery points now, whatever address the client asks for: a stand-in for a resolver.
     */
    private static final class RedirectingDialer implements Dialer
    {
        private final Dialer inner;
        private final Redirect target;

        RedirectingDialer(final Dialer inner, final Redirect target)
        {
            this.inner = inner;
            this.target = target;
        }

        @Override
        public TransportKind kind()
        {
            return inner.kind();
        }

        @Override
        public CompletableFuture<Connection> dial(final String address, final Duration timeout,
            final TransHandler handler)
        {
            return inner.dial(target.address, timeout, handler);
        }

        @Override
        public void retire(final Connection connection)
        {
            inner.retire(connection);
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }
}
