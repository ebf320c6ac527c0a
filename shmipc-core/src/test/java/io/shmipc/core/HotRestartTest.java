package io.shmipc.core;

import io.shmipc.core.control.EventType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot restart with the old server, the new server and a calling client in one JVM, over a real socket path and
 * real shared memory; {@link HotRestartCrossProcessTest} runs the old server in a JVM of its own.
 */
class HotRestartTest {
    private static final long EPOCH = 7;

    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(final T resource) {
        toClose.add(resource);
        return resource;
    }

    private SessionConfig config(final MemoryType type) {
        return SessionConfig.builder().memoryType(type).filePrefix(dir.resolve("shm").toString())
            .handshakeTimeout(Duration.ofSeconds(5)).build();
    }

    /** Echo that counts the streams it served, to tell which server took a call. */
    static StreamHandler countingEcho(final AtomicInteger streams) {
        return stream -> {
            streams.incrementAndGet();
            SessionTest.ECHO.onStream(stream);
        };
    }

    @ParameterizedTest
    @EnumSource(MemoryType.class)
    void shouldMoveCallsToTheNewServerWithoutFailuresWhenTheOldServerHotRestarts(final MemoryType type)
        throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final AtomicInteger oldStreams = new AtomicInteger();
        final AtomicInteger newStreams = new AtomicInteger();
        final ShmServer oldServer = closing(ShmServer.start(socket, config(type), countingEcho(oldStreams)));
        final SessionPool pool = closing(new SessionPool(socket, config(type), 2));
        try (ContinuousCaller caller = new ContinuousCaller(pool, 2)) {
            caller.awaitCalls(50, 10_000);
            final ShmServer newServer = closing(ShmServer.startTakingOver(socket, config(type),
                countingEcho(newStreams)));
            oldServer.hotRestart(EPOCH);
            assertTrue(oldServer.awaitHotRestart(Duration.ofSeconds(5)), "every session acked the hot restart");
            assertTrue(oldServer.isHotRestartDone());
            awaitTrue(() -> oldServer.sessions().isEmpty(), 5_000, () -> "old server's sessions closed once idle: "
                + oldServer.sessions().stream().map(Session::debugDump).toList());
            final int oldServed = oldStreams.get();
            final long callsBefore = caller.calls();
            caller.awaitCalls(callsBefore + 50, 10_000);
            caller.stop();
            assertEquals(0, caller.failures(), "failed calls during the hot restart: " + caller.firstFailure());
            assertEquals(oldServed, oldStreams.get(), "no call reached the old server after it closed its sessions");
            assertTrue(newStreams.get() > 0, "calls moved to the new server");
            assertEquals(EPOCH, pool.epoch());
            awaitTrue(() -> newServer.sessions().size() == 2, 5_000, "both pool sessions now on the new server");
            for (final Session session : pool.sessions()) {
                assertFalse(session.isClosed());
            }
        }
        oldServer.close();
        assertTrue(Files.exists(socket), "closing the old server leaves the new server's socket in place");
        try (Stream stream = pool.acquire()) {
            stream.readTimeout(Duration.ofSeconds(5));
            stream.write(new byte[] {1, 2, 3}, 0, 3);
            final byte[] back = new byte[3];
            stream.readFully(back, 0, 3);
            assertArrayEquals(new byte[] {1, 2, 3}, back);
        }
    }

    @Test
    void shouldNameTheNewRegionsAfterTheEpochWhenFileSessionsAreRebuilt() throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final ShmServer oldServer = closing(ShmServer.start(socket, config(MemoryType.FILE), SessionTest.ECHO));
        final SessionPool pool = closing(new SessionPool(socket, config(MemoryType.FILE), 1));
        pool.session();
        awaitTrue(() -> oldServer.sessions().size() == 1, 5_000, "old server sees the session");
        closing(ShmServer.startTakingOver(socket, config(MemoryType.FILE), SessionTest.ECHO));
        oldServer.hotRestart(EPOCH);
        assertTrue(oldServer.awaitHotRestart(Duration.ofSeconds(5)));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().contains("_epoch_" + EPOCH + "_")),
                "a region file carries _epoch_" + EPOCH);
        }
    }

    @Test
    void shouldTimeOutAndKeepSessionsWhenNoClientAcks() throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final ShmServer server = closing(ShmServer.start(socket, config(MemoryType.MEMFD), SessionTest.ECHO));
        // A session of no pool: it logs HotRestart and stays where it is.
        final Session session = closing(Session.connect(socket, config(MemoryType.MEMFD)));
        awaitTrue(() -> server.sessions().size() == 1, 5_000, "server sees the session");
        server.hotRestart(EPOCH);
        assertThrows(ShmIpcException.class, () -> server.hotRestart(EPOCH + 1), "one hot restart at a time");
        assertFalse(server.awaitHotRestart(Duration.ofSeconds(5)), "no ack within the 2 s time-out");
        assertTrue(server.isHotRestartDone());
        assertFalse(session.isClosed(), "a session that did not ack stays open");
        assertEquals(1, server.sessions().size());
    }

    @Test
    void shouldCloseTheSessionWhenAClientSendsHotRestart() throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final ShmServer server = closing(ShmServer.start(socket, config(MemoryType.MEMFD), SessionTest.ECHO));
        final Session session = closing(Session.connect(socket, config(MemoryType.MEMFD)));
        awaitTrue(() -> server.sessions().size() == 1, 5_000, "server sees the session");
        session.sendEpochEvent(EventType.HOT_RESTART, EPOCH);
        awaitTrue(session::isClosed, 5_000, "the server ended the session");
        awaitTrue(() -> server.sessions().isEmpty(), 5_000, "the server dropped the session");
    }

    @Test
    void shouldCloseTheSessionWhenTheAckCarriesAnotherEpoch() throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final ShmServer server = closing(ShmServer.start(socket, config(MemoryType.MEMFD), SessionTest.ECHO));
        final Session session = closing(Session.connect(socket, config(MemoryType.MEMFD)));
        awaitTrue(() -> server.sessions().size() == 1, 5_000, "server sees the session");
        final Session serverSide = server.sessions().get(0);
        server.hotRestart(EPOCH);
        session.sendEpochEvent(EventType.HOT_RESTART_ACK, EPOCH + 1);
        awaitTrue(serverSide::isClosed, 5_000, "the server ended the session");
        assertInstanceOf(ProtocolViolationException.class, serverSide.closeCause());
        assertTrue(serverSide.closeCause().getMessage().contains("HotRestartAck(epoch 8)"),
            serverSide.closeCause().getMessage());
        awaitTrue(session::isClosed, 5_000, "the client saw the session end");
    }

    @Test
    void shouldCloseTheSessionWhenAnAckArrivesWithoutAHotRestart() throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final ShmServer server = closing(ShmServer.start(socket, config(MemoryType.MEMFD), SessionTest.ECHO));
        final Session session = closing(Session.connect(socket, config(MemoryType.MEMFD)));
        awaitTrue(() -> server.sessions().size() == 1, 5_000, "server sees the session");
        final Session serverSide = server.sessions().get(0);
        session.sendEpochEvent(EventType.HOT_RESTART_ACK, EPOCH);
        awaitTrue(serverSide::isClosed, 5_000, "the server ended the session");
        assertTrue(serverSide.closeCause().getMessage().contains("sent no HotRestart"),
            serverSide.closeCause().getMessage());
    }

    @Test
    void shouldCloseTheSessionWhenAServerSendsHotRestartAck() throws Exception {
        final Path socket = dir.resolve("svc.sock");
        final ShmServer server = closing(ShmServer.start(socket, config(MemoryType.MEMFD), SessionTest.ECHO));
        final Session session = closing(Session.connect(socket, config(MemoryType.MEMFD)));
        awaitTrue(() -> server.sessions().size() == 1, 5_000, "server sees the session");
        server.sessions().get(0).sendEpochEvent(EventType.HOT_RESTART_ACK, EPOCH);
        awaitTrue(session::isClosed, 5_000, "the client ended the session");
        assertInstanceOf(ProtocolViolationException.class, session.closeCause());
        assertTrue(session.closeCause().getMessage().contains("server sent HOT_RESTART_ACK"),
            session.closeCause().getMessage());
    }

    @Test
    void shouldRefuseToTakeOverAPathThatIsNotASocket() throws Exception {
        final Path file = Files.writeString(dir.resolve("not-a-socket"), "data");
        final ShmIpcException e = assertThrows(ShmIpcException.class,
            () -> ShmServer.startTakingOver(file, config(MemoryType.MEMFD), SessionTest.ECHO));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertTrue(Files.exists(file));
    }

    static void awaitTrue(final BooleanSupplier condition, final long timeoutMillis, final String what)
        throws InterruptedException {
        awaitTrue(condition, timeoutMillis, () -> what);
    }

    static void awaitTrue(final BooleanSupplier condition, final long timeoutMillis, final Supplier<String> what)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeoutMillis + " ms: " + what.get());
            }
            Thread.sleep(10);
        }
    }
}
