package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmServer;
import io.shmipc.core.region.SharedRegion;
import io.shmipc.demo.EchoServerMain;
import io.shmipc.nativeio.MemFd;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.Posix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only the owner can reach a session's control socket and file regions, and nobody can resize a memfd region under
 * its mappings (which would raise SIGBUS in the peer).
 */
class SecurityTest {
    private static final int EPERM = 1;
    private static final int SHRINK_AND_GROW = MemFd.F_SEAL_SHRINK | MemFd.F_SEAL_GROW;

    @TempDir
    Path dir;

    @Test
    void shouldCreateTheControlSocketForItsOwnerOnly() throws Exception {
        final Path socket = dir.resolve("server.sock");
        try (ShmServer server = ShmServer.start(socket, SessionConfig.defaults(), EchoServerMain.ECHO)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                "control socket mode");
        }
        // The same for the echo server process every other test uses.
        final Path other = dir.resolve("echo.sock");
        try (PeerProcess server = PeerProcess.echoServer(other, Map.of(), dir)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(other)),
                "control socket mode of a server in another JVM");
            assertEquals(0, server.stop());
        }
    }

    @Test
    void shouldCreateRegionFilesForTheirOwnerOnly() throws Exception {
        final String prefix = Resources.uniqueShmPrefix("security");
        final Path socket = dir.resolve("server.sock");
        try (ShmServer server = ShmServer.start(socket, SessionConfig.defaults(), EchoServerMain.ECHO);
             Session session = Session.connect(socket, SessionConfig.builder().memoryType(MemoryType.FILE)
                 .filePrefix(prefix).build())) {
            final List<Path> files = Resources.filesWithPrefix(prefix);
            assertEquals(2, files.size(), "queue and buffer files: " + files);
            for (final Path file : files) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    "mode of " + file);
                assertEquals(Posix.getuid(), (int) Files.getAttribute(file, "unix:uid"), "owner of " + file);
            }
        }
        assertEquals(List.of(), Resources.filesWithPrefix(prefix));
    }

    @Test
    void shouldSealMemfdRegionsAgainstShrinkingAndGrowing() throws Exception {
        final SharedRegion region = SharedRegion.createMemfd("shmipc-java_seal-test", 1 << 20);
        try {
            final int seals = MemFd.seals(region.fd());
            assertEquals(SHRINK_AND_GROW, seals & SHRINK_AND_GROW, "seals " + seals);
            assertTrue((seals & MemFd.F_SEAL_SEAL) != 0, "and the seals themselves are sealed: " + seals);
            final NativeException grow = assertThrows(NativeException.class,
                () -> Posix.ftruncate(region.fd(), 2L << 20));
            assertEquals(EPERM, grow.errno(), "growing refused: " + grow.getMessage());
            final NativeException shrink = assertThrows(NativeException.class,
                () -> Posix.ftruncate(region.fd(), 4096));
            assertEquals(EPERM, shrink.errno(), "shrinking refused: " + shrink.getMessage());
            final NativeException unseal = assertThrows(NativeException.class,
                () -> MemFd.addSeals(region.fd(), MemFd.F_SEAL_WRITE));
            assertEquals(EPERM, unseal.errno(), "no further seals can be added: " + unseal.getMessage());
        } finally {
            region.release();
        }
    }

    @Test
    void shouldHandThePeerMemfdsItCannotResize() throws Exception {
        final Path socket = dir.resolve("peer.sock");
        try (PeerProcess peer = PeerProcess.start(HostilePeerMain.class, List.of("server", socket.toString(),
            "REPORT_SEALS"), Map.of(), dir)) {
            peer.awaitLine("READY", 30_000);
            try (Session session = Session.connect(socket, SessionConfig.defaults())) {
                final String[] seals = peer.awaitLine("SEALS", 10_000).split(" ");
                final String resize = peer.awaitLine("RESIZE", 10_000);
                peer.awaitLine("HANDSHAKEN", 10_000);
                for (int i = 1; i <= 2; i++) {
                    final int value = Integer.parseInt(seals[i]);
                    assertEquals(SHRINK_AND_GROW, value & SHRINK_AND_GROW, (i == 1 ? "buffer" : "queue")
                        + " memfd as the peer received it has seals " + value);
                }
                assertEquals("RESIZE grow=EPERM shrink=EPERM size=unchanged", resize, "the peer cannot resize it");
                assertEquals(3, session.protocolVersion());
                Figures.report("memfd seals seen by the peer process", String.join(" ", seals) + "; " + resize);
            }
            assertEquals(0, peer.stop(), peer.describe());
        }
    }
}
