package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import io.shmipc.core.buffer.SliceClass;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thousand sessions opened, used once and closed against a server in another JVM leave nothing behind on either
 * side: no descriptors, no shared mappings, no region files.
 */
class SessionChurnTest {
    private static final int CYCLES = 1000;
    /** Each cycle's session is small (~1 MiB of 8 KiB slices, 64-element rings) so the cycles stay fast. */
    private static final long REGION = Resources.ODD_REGION_1M;
    private static final int FD_SLACK = 2;
    /** Sockets an idle echo server holds: its listening socket. */
    private static final long LISTENER_ONLY = 1;
    /**
     * Total mappings move with glibc's malloc arenas and cached thread stacks (2000 threads came and went); a leak of
     * anything per session would show up as at least 1000.
     */
    private static final int MAPPING_SLACK = 64;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldLeaveNothingBehindAfterAThousandSessions(final MemoryType type) throws Exception {
        final String prefix = Resources.uniqueShmPrefix("churn");
        final Path socket = dir.resolve("echo.sock");
        try (PeerProcess server = PeerProcess.echoServer(socket, Map.of("SHMIPC_FILE_PREFIX", prefix), dir)) {
            final SessionConfig config = SessionConfig.builder().memoryType(type).filePrefix(prefix)
                .bufferCapacity(REGION).sliceClasses(new SliceClass(8172, 100)).queueCapacity(64).build();
            final byte[] scratch = new byte[256];
            final long self = Resources.self();
            // Warm-up: classes loaded, jars opened, glibc's thread-stack cache primed, server threads started.
            for (int i = 0; i < 20; i++) {
                cycle(socket, config, i, scratch);
            }
            Thread.sleep(200);
            System.gc();
            // Under load the server may still be closing the last warm-up sessions: a baseline taken then would
            // hide as many leaked sockets later. Its listener is all it should hold once they are gone.
            Resources.awaitAtMost(() -> Resources.sessionSocketFds(server.pid()), LISTENER_ONLY, 5000);
            final int fds = Resources.fdCount();
            final long mappings = Resources.mappingCount();
            final long serverFds = Resources.fdTargets(server.pid()).size();
            final long serverSockets = Resources.sessionSocketFds(server.pid());
            final String serverSocketsBefore = Resources.describeSockets(server.pid());

            final long start = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                cycle(socket, config, i, scratch);
            }
            final long elapsed = System.nanoTime() - start;

            assertEquals(0, Resources.fdsContaining(self, Resources.OUR_MEMFD), "no memfd left open here");
            assertEquals(0, Resources.mappingsContaining(self, Resources.OUR_MEMFD), "no shared memfd mapping here");
            assertEquals(0, Resources.mappingsContaining(self, prefix), "no region file mapping here");
            assertEquals(List.of(), Resources.filesWithPrefix(prefix), "no region file left under " + prefix);
            // The server notices each close asynchronously; give it a moment to finish the last ones.
            final long serverSocketsNow = Resources.awaitAtMost(() -> Resources.sessionSocketFds(server.pid()),
                serverSockets, 5000);
            assertTrue(serverSocketsNow <= serverSockets, "server sockets back to " + serverSockets + ", now "
                + serverSocketsNow + "\nnow:" + Resources.describeSockets(server.pid()) + "\nat the baseline:"
                + serverSocketsBefore + server.describe());
            assertEquals(0, Resources.awaitAtMost(() -> Resources.fdsContaining(server.pid(), "memfd:"), 0, 5000),
                "no memfd open in the server");
            assertEquals(0, Resources.awaitAtMost(() -> Resources.mappingsContaining(server.pid(), Resources.OUR_MEMFD),
                0, 5000), "no shared memfd mapping in the server");
            assertEquals(0, Resources.awaitAtMost(() -> Resources.mappingsContaining(server.pid(), prefix), 0, 5000),
                "no region file mapping in the server");
            final long serverFdsNow = Resources.awaitAtMost(() -> Resources.fdTargets(server.pid()).size(),
                serverFds + FD_SLACK, 5000);
            assertTrue(serverFdsNow <= serverFds + FD_SLACK, "server descriptors back to " + serverFds + ", now "
                + serverFdsNow + ": " + Resources.fdTargets(server.pid()));

            final long fdsNow = Resources.settleAtMost(Resources::fdCount, fds + FD_SLACK);
            assertEquals(0, Resources.settleAtMost(() -> Resources.mappingsOfLength(REGION), 0),
                "every buffer region's address range released once its session became unreachable");
            final long mappingsNow = Resources.settleAtMost(Resources::mappingCount, mappings + MAPPING_SLACK);
            Figures.report("session churn (" + type + ")", String.format("%d sessions opened, used and closed in "
                + "%.2f s (%.2f ms each); client fds %d -> %d, mappings %d -> %d; server fds %d -> %d", CYCLES,
                elapsed / 1e9, elapsed / 1e6 / CYCLES, fds, fdsNow, mappings, mappingsNow, serverFds, serverFdsNow));
            assertTrue(fdsNow <= fds + FD_SLACK, "descriptors back to " + fds + ", now " + fdsNow + ": "
                + Resources.fdTargets(self));
            assertTrue(mappingsNow <= mappings + MAPPING_SLACK, "mappings back to " + mappings + " (+"
                + MAPPING_SLACK + "), now " + mappingsNow);
            assertEquals(0, server.stop(), "echo server saw no corrupted frame" + server.describe());
        }
    }

    private static void cycle(final Path socket, final SessionConfig config, final int i, final byte[] scratch)
        throws Exception {
        try (Session session = Session.connect(socket, config)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(stream, Echo.payload(64, i), scratch);
            stream.close();
        }
    }
}
