package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionPool;
import io.shmipc.core.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pool whose server process was killed and restarted on the same socket serves new streams on new sessions. */
class SessionPoolRecoveryTest {
    private static final int SESSIONS = 2;

    @TempDir
    Path dir;

    @Test
    void shouldReplaceDeadSessionsWhenTheServerComesBack() throws Exception {
        final Path socket = dir.resolve("echo.sock");
        final byte[] scratch = new byte[8192];
        try (SessionPool pool = new SessionPool(socket, SessionConfig.defaults(), SESSIONS)) {
            final List<Session> before;
            try (PeerProcess first = PeerProcess.echoServer(socket, Map.of(), dir)) {
                final List<Stream> streams = new ArrayList<>();
                for (int i = 0; i < SESSIONS * 2; i++) {
                    final Stream stream = pool.acquire();
                    stream.readTimeout(Duration.ofSeconds(10));
                    Echo.roundTrip(stream, Echo.payload(4000, i), scratch);
                    streams.add(stream);
                }
                streams.forEach(pool::release);
                before = pool.sessions();
                assertEquals(SESSIONS, before.size());
                first.kill9();
                first.awaitExit();
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!before.stream().allMatch(Session::isClosed) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(before.stream().allMatch(Session::isClosed), "the pool's sessions saw the server die");
            // Nobody listens now: the pool fails loudly rather than handing out a dead stream.
            final ShmIpcException refused = assertThrows(ShmIpcException.class, pool::acquire);
            assertTrue(refused.getMessage().contains("cannot connect"), refused.getMessage());

            try (PeerProcess second = PeerProcess.echoServer(socket, Map.of(), dir)) {
                // Streams held at once, so that every slot is used (and its dead session replaced).
                final List<Stream> streams = new ArrayList<>();
                for (int i = 0; i < SESSIONS * 2; i++) {
                    final Stream stream = pool.acquire();
                    stream.readTimeout(Duration.ofSeconds(10));
                    Echo.roundTrip(stream, Echo.payload(4000, 100 + i), scratch);
                    streams.add(stream);
                }
                streams.forEach(pool::release);
                final List<Session> after = pool.sessions();
                assertEquals(SESSIONS, after.size());
                for (int i = 0; i < SESSIONS; i++) {
                    assertTrue(!after.get(i).isClosed(), "a live session in slot " + i);
                    assertNotSame(before.get(i), after.get(i), "slot " + i + " holds a new session");
                    assertEquals(second.pid(), after.get(i).peerPid(), "connected to the new server");
                }
                assertEquals(0, second.stop(), second.describe());
            }
        }
    }
}
