package io.shmipc.core.region;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stale-file sweep judges a region file by its creator's pid and by the lock a live creator holds on it: a
 * creator in another pid namespace may carry a pid that is dead (or unknown) here.
 */
class StaleFilesTest {
    private final String prefix = "/dev/shm/shmipc-stale-test-" + UUID.randomUUID().toString().substring(0, 8);
    private SharedRegion region;

    @AfterEach
    void cleanUp() throws Exception {
        if (region != null) {
            region.release();
        }
        try (var files = Files.newDirectoryStream(Path.of("/dev/shm"), Path.of(prefix).getFileName() + "_*")) {
            for (final Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    @Test
    void shouldKeepAFileItsCreatorHoldsEvenWhenItsPidIsDeadHere() throws Exception {
        final long deadPid = deadPid();
        final Path held = Path.of(prefix + "_" + deadPid + "_1-a1_buffer");
        final Path abandoned = Path.of(prefix + "_" + deadPid + "_2-b2_buffer");
        // Created and locked by this process, as a live creator in another pid namespace would: its pid says dead.
        region = SharedRegion.createFile(held.toString(), 4096);
        Files.createFile(abandoned);

        assertEquals(1, StaleFiles.sweep(prefix, true), "only the unlocked file of the dead pid goes");
        assertTrue(Files.exists(held), "the file whose creator holds its lock stays");
        assertFalse(Files.exists(abandoned));
        assertTrue(SharedRegion.isLockedByItsCreator(held.toString()));

        region.close();
        assertFalse(Files.exists(held), "its creator removed it at close");
    }

    @Test
    void shouldSeeNoLockOnceTheCreatorClosedItsRegion() throws Exception {
        final Path path = Path.of(prefix + "_" + deadPid() + "_3-c3_buffer");
        region = SharedRegion.createFile(path.toString(), 4096);
        final Path copy = Path.of(prefix + "_copy");
        // A second name for the same file, which close() does not remove: the lock is on the file, not the name.
        Files.createLink(copy, path);
        assertTrue(SharedRegion.isLockedByItsCreator(copy.toString()));
        region.close();
        assertFalse(SharedRegion.isLockedByItsCreator(copy.toString()), "closing the region dropped its lock");
        assertFalse(SharedRegion.isLockedByItsCreator(prefix + "_missing"), "no file, no lock");
    }

    /** The pid of a process that has exited and been reaped. */
    private static long deadPid() throws Exception {
        final Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
