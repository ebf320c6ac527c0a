package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoServerMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File-mode regions of a client killed with SIGKILL stay in /dev/shm; the next session or server started with the
 * same prefix removes them (they carry the dead pid in their names), and leaves the files of live processes alone.
 */
class StaleFileSweepTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        for (final String prefix : prefixes) {
            for (final Path file : Resources.filesWithPrefix(prefix)) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** The server maps whatever files clients name; memfd in its own config means it never sweeps itself. */
    private ShmServer startServer(final Path socket) throws Exception {
        final ShmServer server = ShmServer.start(socket, SessionConfig.builder().memoryType(MemoryType.MEMFD)
            .build(), EchoServerMain.ECHO);
        cleanup.add(server);
        return server;
    }

    private PeerProcess startFileClient(final Path socket, final String prefix) throws Exception {
        final PeerProcess client = PeerProcess.start(ClientPeerMain.class, List.of("hold", socket.toString()),
            Map.of("SHMIPC_MEMORY_TYPE", "file", "SHMIPC_FILE_PREFIX", prefix), dir);
        cleanup.add(client);
        client.awaitLine("STARTED", 30_000);
        client.send("GO");
        client.awaitLine("CONNECTED", 30_000);
        return client;
    }

    private static List<Path> filesOf(final String prefix, final long pid) {
        final Pattern name = Pattern.compile(Pattern.quote(Path.of(prefix).getFileName() + "_" + pid + "_")
            + "\\d+-[0-9a-f]+_(queue|buffer)");
        final List<Path> files = new ArrayList<>();
        for (final Path file : Resources.filesWithPrefix(prefix)) {
            if (name.matcher(file.getFileName().toString()).matches()) {
                files.add(file);
            }
        }
        return files;
    }

    private String newPrefix(final String test) {
        final String prefix = Resources.uniqueShmPrefix(test);
        prefixes.add(prefix);
        return prefix;
    }

    @Test
    void shouldSweepTheFilesOfAKilledClientWhenTheNextSessionStarts() throws Exception {
        final String prefix = newPrefix("sweep-session");
        final Path socket = dir.resolve("server.sock");
        startServer(socket);
        final PeerProcess victim = startFileClient(socket, prefix);
        final PeerProcess survivor = startFileClient(socket, prefix);
        assertEquals(2, filesOf(prefix, victim.pid()).size(), "the victim's queue and buffer files");
        assertEquals(2, filesOf(prefix, survivor.pid()).size(), "the survivor's queue and buffer files");
        for (final Path file : Resources.filesWithPrefix(prefix)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "region file " + file + " is private to its owner");
        }

        victim.kill9();
        victim.awaitExit();
        final List<Path> stale = filesOf(prefix, victim.pid());
        assertEquals(2, stale.size(), "a crash leaves the region files behind");

        final SessionConfig config = SessionConfig.builder().memoryType(MemoryType.FILE).filePrefix(prefix).build();
        try (Session session = Session.connect(socket, config)) {
            assertEquals(List.of(), filesOf(prefix, victim.pid()), "the new session swept the dead client's files");
            assertEquals(2, filesOf(prefix, survivor.pid()).size(), "a live client's files are left alone");
            assertEquals(2, filesOf(prefix, Resources.self()).size(), "the new session's own files");
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(stream, Echo.payload(5000, 5), new byte[8192]);
            stream.close();
        }
        survivor.send("ECHO");
        survivor.awaitLine("ECHOED", 10_000);
        assertEquals(0, survivor.stop(), "the surviving client still works and exits cleanly" + survivor.describe());
        assertEquals(List.of(), Resources.filesWithPrefix(prefix), "clean closes remove their files");
        Figures.report("stale file sweep on session start", "removed " + stale.size() + " files of killed pid "
            + victim.pid() + ", kept the live client's");
    }

    @Test
    void shouldSweepTheFilesOfAKilledClientWhenAServerStarts() throws Exception {
        final String prefix = newPrefix("sweep-server");
        final Path socket = dir.resolve("server.sock");
        startServer(socket);
        final PeerProcess victim = startFileClient(socket, prefix);
        victim.kill9();
        victim.awaitExit();
        assertEquals(2, filesOf(prefix, victim.pid()).size(), "a crash leaves the region files behind");

        final ShmServer second = ShmServer.start(dir.resolve("second.sock"), SessionConfig.builder()
            .memoryType(MemoryType.FILE).filePrefix(prefix).build(), EchoServerMain.ECHO);
        cleanup.add(second);
        assertEquals(List.of(), Resources.filesWithPrefix(prefix), "the starting server swept the dead client's files");
    }

    @Test
    void shouldNameRegionFilesAfterTheCreatingProcess() throws Exception {
        final String prefix = newPrefix("names");
        final Path socket = dir.resolve("server.sock");
        startServer(socket);
        final SessionConfig config = SessionConfig.builder().memoryType(MemoryType.FILE).filePrefix(prefix).build();
        try (Session session = Session.connect(socket, config)) {
            final List<Path> files = Resources.filesWithPrefix(prefix);
            assertEquals(files, filesOf(prefix, Resources.self()), "<prefix>_<pid>_<seq>-<random>_queue|_buffer");
            assertEquals(2, files.size());
            assertTrue(files.get(0).toString().endsWith("_buffer") && files.get(1).toString().endsWith("_queue"),
                "one buffer and one queue file: " + files);
        }
    }
}
