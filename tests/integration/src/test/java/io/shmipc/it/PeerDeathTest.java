package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamHandler;
import io.shmipc.demo.EchoFrame;
import io.shmipc.demo.EchoServerMain;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.UnixSocket;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer process killed with SIGKILL in the middle of streams: the survivor notices within milliseconds, every
 * pending read fails with {@link SessionClosedException} naming the reason, and the survivor's descriptors and
 * mappings return to what they were before the session.
 *
 * <p>Resource accounting: our own objects are checked exactly by name (memfd descriptors and mappings, region files,
 * sockets). Process-wide totals are compared with a small slack, because the JVM opens and maps things on its own
 * (JIT and GC memory, glibc's cached thread stacks, a jar opened on first use of a class). Thread pools are started
 * before the baseline so that thread stacks do not count, and a warm-up session loads every class first. The
 * address ranges of a closed session are released by a Cleaner once the session is unreachable, hence the GCs.
 */
class PeerDeathTest {
    /** The brief's target is 100 ms; the assertion is generous because CI machines can be slow and loaded. */
    private static final long DETECTION_LIMIT_MILLIS = 1_000;
    /**
     * Longer than any wait in these tests: a survivor with this park timeout can only learn of its peer's death from
     * the end of the socket or from a watch on the process, never from the liveness check after a park.
     */
    private static final Duration NO_PARK_TIMEOUT = Duration.ofSeconds(60);
    private static final int STREAMS = 4;
    private static final Pattern PEER_GONE = Pattern.compile("peer closed the control connection|peer process \\d+ is gone");

    @TempDir
    Path dir;
    private String prefix;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        if (prefix != null) {
            for (final Path file : Resources.filesWithPrefix(prefix)) {
                Files.deleteIfExists(file);
            }
        }
    }

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldFailEveryPendingReadWhenTheServerProcessIsKilled(final MemoryType type) throws Exception {
        prefix = Resources.uniqueShmPrefix("death-server");
        final Path socket = dir.resolve("echo.sock");
        final PeerProcess server = PeerProcess.echoServer(socket, Map.of(), dir);
        cleanup.add(server);
        final SessionConfig config = config(type);
        final ThreadPoolExecutor readers = startedPool(STREAMS);
        cleanup.add(readers::shutdownNow);
        warmUp(readers, socket, config);

        final ResourceBaseline baseline = ResourceBaseline.take("the warm-up session");
        Session session = Session.connect(socket, config);
        final AtomicLong closedAt = new AtomicLong();
        session.onClose(() -> closedAt.set(System.nanoTime()));
        final long[] killedAt = new long[1];
        List<Future<PendingRead>> pending = runPendingReads(readers, session, () -> killedAt[0] = server.kill9());
        long slowest = 0;
        long fastest = Long.MAX_VALUE;
        for (final Future<PendingRead> future : pending) {
            final PendingRead read = future.get(10, TimeUnit.SECONDS);
            assertInstanceOf(SessionClosedException.class, read.failure, "pending read on stream " + read.stream
                + " failed with " + read.failure);
            assertTrue(PEER_GONE.matcher(read.failure.getMessage()).find(), "the failure names the reason: "
                + read.failure.getMessage());
            slowest = Math.max(slowest, read.failedAt - killedAt[0]);
            fastest = Math.min(fastest, read.failedAt - killedAt[0]);
        }
        // What a program does on seeing its calls fail: close and exit. By then nothing may be left in /dev/shm.
        session.close();
        assertEquals(List.of(), Resources.filesWithPrefix(prefix), "region files left once close() returned");
        server.awaitExit();
        awaitSet(closedAt);
        assertTrue(session.isClosed(), "session closed");
        assertTrue(PEER_GONE.matcher(String.valueOf(session.closeCause())).find(), "close cause names the reason: "
            + session.closeCause());
        assertNoNewStream(session);
        final long detection = closedAt.get() - killedAt[0];
        Figures.report("peer death, client sees server kill -9 (" + type + ")", "session closed after "
            + Figures.millis(detection) + "; " + STREAMS + " pending reads failed after " + Figures.millis(fastest)
            + " .. " + Figures.millis(slowest));
        assertTrue(slowest < TimeUnit.MILLISECONDS.toNanos(DETECTION_LIMIT_MILLIS), "detected within "
            + DETECTION_LIMIT_MILLIS + " ms, took " + Figures.millis(slowest));

        session = null;
        pending = null;
        baseline.assertRestored(prefix, "survivor resources");
    }

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldFailEveryPendingReadWhenTheClientProcessIsKilled(final MemoryType type) throws Exception {
        prefix = Resources.uniqueShmPrefix("death-client");
        final Path socket = dir.resolve("server.sock");
        final ConcurrentLinkedQueue<PendingRead> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong victimPid = new AtomicLong();
        final StreamHandler handler = stream -> {
            try {
                while (EchoFrame.echoOnce(stream)) {
                    // echo until the stream or session ends
                }
            } catch (final ShmIpcException e) {
                if (stream.session().peerPid() == victimPid.get()) {
                    failures.add(new PendingRead(stream.id(), System.nanoTime(), e));
                }
            } finally {
                stream.close();
            }
        };
        final ThreadPoolExecutor handlers = startedPool(2 * STREAMS);
        cleanup.add(handlers::shutdownNow);
        final ShmServer server = ShmServer.start(socket, config(type), handler, handlers);
        cleanup.add(server);
        final SessionConfig clientConfig = config(type);
        echoOnce(socket, clientConfig);
        final PeerProcess client = PeerProcess.start(ClientPeerMain.class, List.of("mid-stream", socket.toString(),
            Integer.toString(STREAMS)), Map.of("SHMIPC_MEMORY_TYPE", type.name().toLowerCase(),
            "SHMIPC_FILE_PREFIX", prefix, "SHMIPC_BUFFER_CAPACITY", Long.toString(Resources.ODD_REGION_32M)), dir);
        cleanup.add(client);
        client.awaitLine("STARTED", 30_000);
        victimPid.set(client.pid());

        final ResourceBaseline baseline = ResourceBaseline.take("the warm-up session");
        client.send("GO");
        client.awaitLine("MID", 30_000);
        Session session = serverSessionOf(server, client.pid());
        final AtomicLong closedAt = new AtomicLong();
        session.onClose(() -> closedAt.set(System.nanoTime()));
        // Let every handler reach its wait for the rest of the announced frame.
        Thread.sleep(200);
        assertEquals(0, failures.size(), "no handler failed before the kill: " + failures);

        final long killedAt = client.kill9();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((failures.size() < STREAMS || closedAt.get() == 0) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        client.awaitExit();
        awaitSet(closedAt);
        assertEquals(STREAMS, failures.size(), "every handler blocked in a read failed: " + failures);
        long slowest = 0;
        long fastest = Long.MAX_VALUE;
        for (final PendingRead read : failures) {
            assertInstanceOf(SessionClosedException.class, read.failure, "handler of stream " + read.stream
                + " failed with " + read.failure);
            assertTrue(PEER_GONE.matcher(read.failure.getMessage()).find(), "the failure names the reason: "
                + read.failure.getMessage());
            slowest = Math.max(slowest, read.failedAt - killedAt);
            fastest = Math.min(fastest, read.failedAt - killedAt);
        }
        assertTrue(session.isClosed(), "server-side session closed");
        assertTrue(PEER_GONE.matcher(String.valueOf(session.closeCause())).find(), "close cause names the reason: "
            + session.closeCause());
        Figures.report("peer death, server sees client kill -9 (" + type + ")", "session closed after "
            + Figures.millis(closedAt.get() - killedAt) + "; " + STREAMS + " blocked handler reads failed after "
            + Figures.millis(fastest) + " .. " + Figures.millis(slowest));
        assertTrue(slowest < TimeUnit.MILLISECONDS.toNanos(DETECTION_LIMIT_MILLIS), "detected within "
            + DETECTION_LIMIT_MILLIS + " ms, took " + Figures.millis(slowest));
        assertFalse(server.sessions().contains(session), "the server forgot the dead session");

        session = null;
        failures.clear();
        // The dead client's region files are its own; file mode leaves them for the stale-file sweep (another test).
        if (type == MemoryType.FILE) {
            for (final Path file : Resources.filesWithPrefix(prefix)) {
                Files.delete(file);
            }
        }
        baseline.assertRestored(prefix, "survivor resources");
        echoOnce(socket, clientConfig);
    }

    @Test
    void shouldEndTheServersSessionWhenTheClientProcessDiesWhileItsSocketLivesOn() throws Exception {
        prefix = Resources.uniqueShmPrefix("death-held-client");
        final Path socket = dir.resolve("server.sock");
        final ShmServer server = ShmServer.start(socket, watchOnlyConfig(), EchoServerMain.ECHO);
        cleanup.add(server);
        final UnixSocket keeper = UnixSocket.listen(handOverPath(socket), 1, 0600);
        cleanup.add(keeper);
        final PeerProcess client = PeerProcess.start(HostilePeerMain.class, List.of("client", socket.toString(),
            "memfd", HostilePeerMain.HAND_OVER_SOCKET), Map.of(), dir);
        cleanup.add(client);
        client.awaitLine("HANDSHAKEN", 30_000);
        final Session session = serverSessionOf(server, client.pid());

        assertDeathNoticedWhileTheSocketLivesOn(session, client, keeper, "server sees client");
        assertFalse(server.sessions().contains(session), "the server forgot the dead session");
    }

    @Test
    void shouldEndTheClientsSessionWhenTheServerProcessDiesWhileItsSocketLivesOn() throws Exception {
        prefix = Resources.uniqueShmPrefix("death-held-server");
        final Path socket = dir.resolve("hostile.sock");
        final UnixSocket keeper = UnixSocket.listen(handOverPath(socket), 1, 0600);
        cleanup.add(keeper);
        final PeerProcess server = PeerProcess.start(HostilePeerMain.class, List.of("server", socket.toString(),
            HostilePeerMain.HAND_OVER_SOCKET), Map.of(), dir);
        cleanup.add(server);
        server.awaitLine("READY", 30_000);
        final Session session = Session.connect(socket, watchOnlyConfig());
        cleanup.add(session);
        server.awaitLine("HANDSHAKEN", 30_000);

        assertDeathNoticedWhileTheSocketLivesOn(session, server, keeper, "client sees server");
    }

    /**
     * Has {@code peer} hand its end of the control socket to us, kills it, and checks that {@code session} ends
     * within milliseconds all the same, naming the dead process: no end of stream comes while we hold the socket,
     * and the session's park timeout is a minute, so only the watch on the process itself can tell.
     */
    private static void assertDeathNoticedWhileTheSocketLivesOn(final Session session, final PeerProcess peer,
                                                              final UnixSocket keeper, final String who)
        throws Exception {
        final AtomicLong closedAt = new AtomicLong();
        session.onClose(() -> closedAt.set(System.nanoTime()));
        peer.send("GO");
        final int heldFd;
        try (UnixSocket fromPeer = keeper.accept()) {
            final int[] fds = fromPeer.receiveFds(new byte[1], 0, 1, 1).fds();
            assertEquals(1, fds.length, "the peer handed over its end of the control socket");
            heldFd = fds[0];
        }
        try {
            peer.awaitLine("DONE", 10_000);
            assertFalse(session.isClosed(), "the session is up before the kill");

            final long killedAt = peer.kill9();
            awaitSet(closedAt);
            final long detection = closedAt.get() - killedAt;
            final String cause = String.valueOf(session.closeCause());
            assertTrue(cause.contains("peer process " + peer.pid() + " is gone"), "the cause names the dead process: "
                + cause);
            Figures.report("peer death, " + who + " kill -9 while its socket lives on", "session closed after "
                + Figures.millis(detection) + ": " + cause);
            assertTrue(detection < TimeUnit.MILLISECONDS.toNanos(DETECTION_LIMIT_MILLIS), "detected within "
                + DETECTION_LIMIT_MILLIS + " ms, took " + Figures.millis(detection));
            assertNoNewStream(session);
        } finally {
            Posix.close(heldFd);
        }
        peer.awaitExit();
    }

    /** Memfd, and parks that never time out within a test. */
    private SessionConfig watchOnlyConfig() {
        return SessionConfig.builder().filePrefix(prefix).parkTimeout(NO_PARK_TIMEOUT).build();
    }

    private static Path handOverPath(final Path socket) {
        return Path.of(socket + HostilePeerMain.HAND_OVER_SUFFIX);
    }

    /** The same reads on a session we close ourselves: classes loaded, jars opened, before the baseline. */
    private static void warmUp(final ThreadPoolExecutor readers, final Path socket, final SessionConfig config)
        throws Exception {
        final Session session = Session.connect(socket, config);
        runPendingReads(readers, session, session::close).forEach(PeerDeathTest::quietly);
    }

    /** In a method of its own so that no local of the test keeps the session reachable afterwards. */
    private static void assertNoNewStream(final Session session) {
        assertThrows(SessionClosedException.class, session::openStream, "no new stream on a dead session");
    }

    /** Default settings but a buffer region of a length that identifies its mappings. */
    private SessionConfig config(final MemoryType type) {
        return SessionConfig.builder().memoryType(type).filePrefix(prefix).bufferCapacity(Resources.ODD_REGION_32M)
            .build();
    }

    /** Waits (at most 5 s) for a close listener to have run. */
    private static void awaitSet(final AtomicLong time) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (time.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(time.get() != 0, "the session's close listeners ran");
    }

    /** A thread pool whose threads all exist now, so their stacks are part of the baseline. */
    private static ThreadPoolExecutor startedPool(final int threads) {
        final ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.HOURS,
            new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
        return pool;
    }

    private static void echoOnce(final Path socket, final SessionConfig config) throws Exception {
        try (Session session = Session.connect(socket, config)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(stream, Echo.payload(3000, 3), new byte[4096]);
            stream.close();
        }
    }

    private static Session serverSessionOf(final ShmServer server, final long pid) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (final Session session : server.sessions()) {
                if (session.peerPid() == pid) {
                    return session;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no server session for client pid " + pid + " among " + server.sessions());
    }

    /**
     * On every stream: echo one frame, then (on half of them) send the start of a 1 MiB frame the server must wait
     * for, then block reading a reply that never comes. {@code trigger} (a kill, or a local close for the warm-up)
     * runs once all reads are blocked.
     */
    private static List<Future<PendingRead>> runPendingReads(final ThreadPoolExecutor readers, final Session session,
                                                             final Runnable trigger) throws Exception {
        final List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(stream, Echo.payload(2000, i), new byte[4096]);
            if (i % 2 == 0) {
                final MutableDirectBuffer header = stream.writer().reserve(EchoFrame.HEADER_LENGTH);
                header.putInt(EchoFrame.LENGTH_OFFSET, ClientPeerMain.ANNOUNCED_BYTES, ByteOrder.BIG_ENDIAN);
                header.putInt(EchoFrame.CRC_OFFSET, 0, ByteOrder.BIG_ENDIAN);
                final byte[] part = Echo.payload(ClientPeerMain.PARTIAL_BYTES, i);
                stream.writer().write(part, 0, part.length);
                stream.writer().flush();
            }
            streams.add(stream);
        }
        final List<Future<PendingRead>> pending = new ArrayList<>();
        for (final Stream stream : streams) {
            pending.add(readers.submit(() -> {
                try {
                    stream.readTimeout(Duration.ofSeconds(30));
                    EchoFrame.receive(stream, new byte[ClientPeerMain.ANNOUNCED_BYTES]);
                    return new PendingRead(stream.id(), System.nanoTime(), null);
                } catch (final ShmIpcException e) {
                    return new PendingRead(stream.id(), System.nanoTime(), e);
                }
            }));
        }
        // Reads spin briefly, then park: give them time to be truly blocked before the peer goes.
        Thread.sleep(200);
        for (final Future<PendingRead> future : pending) {
            assertFalse(future.isDone(), "reads are pending before the trigger");
        }
        trigger.run();
        return pending;
    }

    private static void quietly(final Future<PendingRead> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (final InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("warm-up read did not end", e);
        }
    }

    private record PendingRead(int stream, long failedAt, Throwable failure) {
    }
}
