package io.shmipc.core.region;

import io.shmipc.nativeio.Posix;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names of file-mode regions, and the sweep that removes those left behind by crashed processes.
 *
 * <p>A region file is named {@code <prefix>_<pid>_<sequence>-<random>_<queue|buffer>}, or after a hot restart
 * {@code <prefix>_<pid>_epoch_<epoch>_<sequence>-<random>_<queue|buffer>}: the creator's pid lets any later process
 * recognise the files of a dead one. A pid only means something in the sweeper's own pid namespace (two containers
 * sharing /dev/shm may not share pids), so a file is removed only if, besides, no live process holds the lock its
 * creator keeps on it while the region is open.
 */
public final class StaleFiles {
    private static final Set<String> SWEPT = ConcurrentHashMap.newKeySet();

    private StaleFiles() {
    }

    /** The base name (without the {@code _queue}/{@code _buffer} suffix) for a new region pair of this process. */
    public static String newBaseName(final String prefix, final long sequence) {
        return newBaseName(prefix, 0, sequence);
    }

    /**
     * The base name for a region pair of a session built after a server's HotRestart(epoch): the pid stays first so
     * the sweep still recognises it, then {@link #epochInfix(long)}.
     */
    public static String newBaseName(final String prefix, final long epoch, final long sequence) {
        return prefix + "_" + Posix.getpid() + epochInfix(epoch) + "_" + sequence + "-"
            + Long.toHexString(Double.doubleToLongBits(Math.random()) & 0xFFFFFFL);
    }

    /** {@code _epoch_<epoch>} (unsigned decimal) as in shmipc-go's region names, or empty for epoch 0. */
    public static String epochInfix(final long epoch) {
        return epoch == 0 ? "" : "_epoch_" + Long.toUnsignedString(epoch);
    }

    /** Removes region files under {@code prefix} whose creating process is dead. Returns how many. Once per prefix per JVM unless forced. */
    public static int sweep(final String prefix, final boolean force) {
        if (!force && !SWEPT.add(prefix)) {
            return 0;
        }
        final Path base = Path.of(prefix);
        final Path dir = base.getParent();
        final String stem = base.getFileName() + "_";
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, stem + "*")) {
            for (final Path file : files) {
                final int pid = pidOf(file.getFileName().toString().substring(stem.length()));
                // The pid only says something in our pid namespace; the creator's lock says it everywhere.
                if (pid > 0 && pid != Posix.getpid() && !Posix.isProcessAlive(pid)
                    && !SharedRegion.isLockedByItsCreator(file.toString())) {
                    SharedRegion.unlinkQuietly(file.toString());
                    removed++;
                }
            }
        } catch (final IOException | RuntimeException e) {
            // A sweep is housekeeping: never fail a connection because of it.
        }
        return removed;
    }

    private static int pidOf(final String rest) {
        final int end = rest.indexOf('_');
        if (end <= 0) {
            return -1;
        }
        try {
            return Integer.parseInt(rest.substring(0, end));
        } catch (final NumberFormatException e) {
            return -1;
        }
    }
}
