package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A peer in another pid namespace (containers of one pod that share /dev/shm and a socket directory but not their
 * pids): SO_PEERCRED then reports our pid to it as 0. Such a session must live on like any other: nothing that
 * watches the peer's process may take pid 0 for a dead process.
 */
class ForeignPidNamespaceTest {
    /** Longer than a few park timeouts (200 ms), after each of which an idle session checks that its peer lives. */
    private static final long IDLE_MILLIS = 900;

    @TempDir
    Path dir;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    void shouldKeepAnIdleSessionWhosePeerCannotSeeOurPid() throws Exception {
        assumeTrue(canUnsharePidNamespace(), "unshare --pid needs CAP_SYS_ADMIN, which this machine does not give");
        final Path socket = dir.resolve("echo.sock");
        final PeerProcess server = PeerProcess.startInNewPidNamespace(io.shmipc.demo.EchoServerMain.class,
            List.of(socket.toString(), "--stop-on-stdin-eof"), Map.of(), dir);
        cleanup.add(server);
        server.awaitLine("READY", 30_000);
        final Session session = Session.connect(socket, SessionConfig.defaults());
        cleanup.add(session);
        assertTrue(session.peerPid() > 0, "we see the server's pid: " + session.peerPid());

        final Stream stream = session.openStream();
        final byte[] payload = Echo.payload(64, 1);
        final byte[] scratch = new byte[payload.length];
        Echo.roundTrip(stream, payload, scratch);
        TimeUnit.MILLISECONDS.sleep(IDLE_MILLIS);
        assertFalse(session.isClosed(), "still open after idling: " + session.closeCause() + server.describe());
        Echo.roundTrip(stream, payload, scratch);

        session.close();
        assertTrue(awaitLog(server, "(peer pid 0) closed"), "the server saw our pid as 0: the premise of this test"
            + server.describe());
    }

    private static boolean canUnsharePidNamespace() throws InterruptedException {
        try {
            final Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "true").start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (final java.io.IOException e) {
            return false;
        }
    }

    private static boolean awaitLog(final PeerProcess peer, final String text) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (peer.describe().contains(text)) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return false;
    }
}
