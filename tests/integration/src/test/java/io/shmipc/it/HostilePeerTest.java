package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.Session;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoServerMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer process that completes a valid handshake and then writes garbage into shared memory or onto the control
 * connection: the victim closes exactly that session with a {@link ProtocolViolationException} naming the problem,
 * stays up, and keeps serving a well-behaved client that runs echo traffic at the same time.
 */
class HostilePeerTest {
    @TempDir
    Path dir;
    private ShmServer server;
    private Path socket;
    private String prefix;
    private GoodClient good;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeEach
    void startServerAndAGoodClient() throws Exception {
        socket = dir.resolve("server.sock");
        prefix = Resources.uniqueShmPrefix("hostile");
        server = ShmServer.start(socket, SessionConfig.builder().filePrefix(prefix).build(), EchoServerMain.ECHO);
        good = new GoodClient(Session.connect(socket, SessionConfig.defaults()));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        good.close();
        server.close();
        for (final Path file : Resources.filesWithPrefix(prefix)) {
            Files.deleteIfExists(file);
        }
    }

    @ParameterizedTest(name = "memfd client: {0}")
    @EnumSource(value = Misbehaviour.class, mode = EnumSource.Mode.EXCLUDE,
        names = {"TRUNCATED_REGION_FILES", "UNLINKED_REGION_FILES"})
    void shouldCloseOnlyTheHostileSessionWhenAMemfdClientMisbehaves(final Misbehaviour misbehaviour)
        throws Exception {
        hostileClient("memfd", misbehaviour);
    }

    @ParameterizedTest(name = "file client: {0}")
    @EnumSource(value = Misbehaviour.class, names = {"OFFSET_OUT_OF_REGION", "CHAIN_CYCLE", "TAIL_BEYOND_CAPACITY",
        "UNKNOWN_EVENT_TYPE", "TRUNCATED_REGION_FILES"})
    void shouldCloseOnlyTheHostileSessionWhenAFileClientMisbehaves(final Misbehaviour misbehaviour)
        throws Exception {
        hostileClient("file", misbehaviour);
    }

    private void hostileClient(final String mode, final Misbehaviour misbehaviour) throws Exception {
        final PeerProcess hostile = PeerProcess.start(HostilePeerMain.class, List.of("client", socket.toString(),
            mode, misbehaviour.name()), Map.of("SHMIPC_FILE_PREFIX", prefix), dir);
        cleanup.add(hostile);
        hostile.awaitLine("HANDSHAKEN", 30_000);
        final Session victim = serverSessionOf(hostile.pid());
        assertFalse(victim.isClosed(), "the hostile client's session is up before it misbehaves");
        final long echoesBefore = good.echoes();

        hostile.send("GO");
        hostile.awaitLine("DONE", 10_000);
        final long detection = awaitClosed(victim);
        final Throwable cause = victim.closeCause();
        assertInstanceOf(ProtocolViolationException.class, cause, "closed for a protocol violation, not: " + cause);
        assertTrue(cause.getMessage().contains(misbehaviour.expectedMessage), "the cause names the problem ('"
            + misbehaviour.expectedMessage + "'): " + cause.getMessage());
        assertFalse(Resources.awaitAtMost(() -> server.sessions().contains(victim) ? 1 : 0, 0, 5000) > 0,
            "the server dropped the hostile session");

        good.assertStillServed(echoesBefore);
        assertTrue(server.sessions().stream().anyMatch(s -> s.peerPid() == Resources.self()),
            "the well-behaved client's session is still open on the server");
        assertEquals(0, hostile.stop(), "the hostile peer ran its scenario" + hostile.describe());
        Figures.report("hostile " + mode + " client, " + misbehaviour, "session closed in "
            + Figures.millis(detection) + ": " + cause.getMessage());
    }

    @ParameterizedTest(name = "hostile server: {0}")
    @EnumSource(value = Misbehaviour.class, names = {"OFFSET_OUT_OF_REGION", "SLICE_SIZE_BEYOND_CAPACITY",
        "CHAIN_CYCLE", "UNKNOWN_STATE", "UNKNOWN_EVENT_TYPE", "TRUNCATED_EVENT", "RING_RECORD_PAST_END",
        "RING_ELEMENT_OUT_OF_REGION"})
    void shouldFailThePendingReadWhenAServerMisbehaves(final Misbehaviour misbehaviour) throws Exception {
        final Path hostileSocket = dir.resolve("hostile.sock");
        final PeerProcess hostile = PeerProcess.start(HostilePeerMain.class, List.of("server",
            hostileSocket.toString(), misbehaviour.name()), Map.of(), dir);
        cleanup.add(hostile);
        hostile.awaitLine("READY", 30_000);
        final ExecutorService reader = Executors.newSingleThreadExecutor();
        cleanup.add(reader::shutdownNow);
        try (Session session = Session.connect(hostileSocket, SessionConfig.defaults())) {
            hostile.awaitLine("HANDSHAKEN", 10_000);
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(20));
            final Future<Object> pending = reader.submit(() -> {
                try {
                    final byte[] into = new byte[100];
                    final int n = stream.read(into, 0, into.length);
                    return "the read returned " + n + " bytes: "
                        + new String(into, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.ISO_8859_1);
                } catch (final ShmIpcException e) {
                    return e;
                }
            });
            Thread.sleep(100);
            assertFalse(pending.isDone(), "the read is pending");
            hostile.send("GO");
            final Object outcome = pending.get(10, TimeUnit.SECONDS);
            final SessionClosedException failure = assertInstanceOf(SessionClosedException.class, outcome,
                () -> "the pending read fails with the session, but " + outcome);
            assertInstanceOf(ProtocolViolationException.class, failure.getCause(),
                "because of a protocol violation: " + failure);
            assertTrue(failure.getMessage().contains(misbehaviour.expectedMessage), "the failure names the problem"
                + " ('" + misbehaviour.expectedMessage + "'): " + failure.getMessage());
            assertTrue(session.isClosed());
            assertInstanceOf(ProtocolViolationException.class, session.closeCause());
            Figures.report("hostile server, " + misbehaviour, "our pending read failed: " + failure.getMessage());
        }
        // Our own server in this JVM never noticed anything.
        good.assertStillServed(good.echoes());
    }

    @Test
    void shouldKeepServingAFileClientThatUnlinksItsRegionFiles() throws Exception {
        final PeerProcess hostile = PeerProcess.start(HostilePeerMain.class, List.of("client", socket.toString(),
            "file", Misbehaviour.UNLINKED_REGION_FILES.name()), Map.of("SHMIPC_FILE_PREFIX", prefix), dir);
        cleanup.add(hostile);
        hostile.awaitLine("HANDSHAKEN", 30_000);
        final Session victim = serverSessionOf(hostile.pid());
        final long received = victim.metrics().messagesReceived();

        hostile.send("GO");
        hostile.awaitLine("DONE", 10_000);

        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (victim.metrics().messagesReceived() == received && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(received + 1, victim.metrics().messagesReceived(), "the message sent after the unlink arrived");
        assertEquals(List.of(), Resources.filesWithPrefix(prefix), "the files are gone");
        assertFalse(victim.isClosed(), "unlinked files leave the mappings, and the session, intact: "
            + victim.closeCause());
        good.assertStillServed(good.echoes());
    }

    @Test
    void shouldRefuseRegionFilesThatOtherUsersCanWrite() throws Exception {
        final PeerProcess hostile = PeerProcess.start(HostilePeerMain.class, List.of("client", socket.toString(),
            "file", "WORLD_WRITABLE_FILES"), Map.of("SHMIPC_FILE_PREFIX", prefix), dir);
        cleanup.add(hostile);
        hostile.awaitLine("REFUSED", 30_000);
        assertTrue(server.sessions().stream().noneMatch(s -> s.peerPid() == hostile.pid()),
            "no session for a client offering memory other users can write (reference peers create 0755 files, which are accepted)");
        good.assertStillServed(good.echoes());
    }

    private Session serverSessionOf(final long pid) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (final Session session : server.sessions()) {
                if (session.peerPid() == pid) {
                    return session;
                }
            }
            Thread.sleep(2);
        }
        throw new AssertionError("no server session for pid " + pid);
    }

    private static long awaitClosed(final Session session) throws InterruptedException {
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.SECONDS.toNanos(10);
        while (!session.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(session.isClosed(), () -> "the hostile session was closed: " + session.debugDump());
        return System.nanoTime() - start;
    }

    /** Echoes frames on its own session in a loop until closed; any failure is kept and reported. */
    private static final class GoodClient implements AutoCloseable {
        private final Session session;
        private final Thread thread;
        private final AtomicLong echoes = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean running = true;

        GoodClient(final Session session) {
            this.session = session;
            this.thread = new Thread(this::run, "good-client");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                final Stream stream = session.openStream();
                stream.readTimeout(Duration.ofSeconds(10));
                final byte[] scratch = new byte[20_000];
                for (long i = 0; running; i++) {
                    Echo.roundTrip(stream, Echo.payload((int) (i % 20_000), i), scratch);
                    echoes.incrementAndGet();
                    if (i % 64 == 0) {
                        Thread.sleep(1);
                    }
                }
                stream.close();
            } catch (final Throwable e) {
                if (running) {
                    failure.set(e);
                }
            }
        }

        long echoes() {
            return echoes.get();
        }

        /** Fails unless the loop has had no error and has echoed more frames since {@code before}. */
        void assertStillServed(final long before) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (echoes.get() < before + 20 && failure.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (failure.get() != null) {
                throw new AssertionError("the well-behaved client failed: " + failure.get(), failure.get());
            }
            assertTrue(echoes.get() >= before + 20, "the well-behaved client kept echoing (" + echoes.get()
                + " after " + before + ")");
            assertFalse(session.isClosed(), "the well-behaved client's session is open: " + session.closeCause());
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5000);
            session.close();
        }
    }
}
