package io.shmipc.it;

import io.shmipc.nativeio.Mmap;
import io.shmipc.nativeio.Posix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What a process holds, read from /proc: descriptors and mappings, in total and by name. Totals move on their own in
 * a JVM (class loading opens jars, thread stacks are mapped and cached by glibc, the GC and JIT map memory), so leak
 * checks compare totals with some slack and check our own objects (memfds, region files, sockets) exactly by name.
 */
final class Resources {
    /** Name of a memfd region created by shmipc-java, as /proc shows it ("/memfd:shmipc-java_..."). */
    static final String OUR_MEMFD = "memfd:shmipc-java";
    /** Buffer region sizes no JVM structure is likely to have, so that its mappings can be counted by length. */
    static final long ODD_REGION_32M = (32 << 20) + (40 << 10);
    static final long ODD_REGION_1M = (1 << 20) + (40 << 10);
    private static final long PAGE = 4096;

    private Resources() {
    }

    static int fdCount() {
        return Posix.openFdCount();
    }

    static long mappingCount() {
        return Mmap.mappedRegionCount();
    }

    /** Targets of the descriptors of {@code pid} (e.g. "socket:[123]", "/memfd:x (deleted)", "pipe:[4]"). */
    static List<String> fdTargets(final long pid) {
        final List<String> targets = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (final Path fd : fds) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (final NoSuchFileException e) {
                    // closed while we listed
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return targets;
    }

    static long fdsContaining(final long pid, final String text) {
        return fdTargets(pid).stream().filter(target -> target.contains(text)).count();
    }

    static long socketFds(final long pid) {
        return fdsContaining(pid, "socket:");
    }

    /** Lines of /proc/pid/maps naming {@code text} (a memfd name or a region file path). */
    static long mappingsContaining(final long pid, final String text) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                .filter(line -> line.contains(text)).count();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Mappings of this process exactly {@code length} bytes long (rounded up to pages), whatever backs them: a region
     * of an unusual length is recognisable even after it was swapped for anonymous zero pages at close, until the
     * Cleaner unmaps it.
     */
    static long mappingsOfLength(final long length) {
        final long pages = (length + PAGE - 1) / PAGE * PAGE;
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> {
                final int dash = line.indexOf('-');
                final int space = line.indexOf(' ');
                return Long.parseUnsignedLong(line.substring(space > dash ? dash + 1 : 0, space), 16)
                    - Long.parseUnsignedLong(line.substring(0, dash), 16) == pages;
            }).count();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long self() {
        return ProcessHandle.current().pid();
    }

    /** Files in /dev/shm (or wherever the prefix points) whose names start with the prefix's last component. */
    static List<Path> filesWithPrefix(final String prefix) {
        final Path base = Path.of(prefix);
        final List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(base.getParent(), base.getFileName() + "*")) {
            dir.forEach(files::add);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(null);
        return files;
    }

    /** A file prefix under /dev/shm that no other test (or helper) uses. */
    static String uniqueShmPrefix(final String test) {
        return "/dev/shm/shmipc-it-" + test + "-" + Long.toHexString(System.nanoTime() & 0xFFFFFFFFL);
    }

    /**
     * Runs GCs (so that the Cleaner unmaps the address ranges of unreachable closed sessions) until {@code value}
     * is at most {@code limit}, for at most 5 s. Returns the last value seen.
     */
    static long settleAtMost(final LongSupplier value, final long limit) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long current = value.getAsLong();
        while (current > limit && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
            current = value.getAsLong();
        }
        return current;
    }

    /** Polls until {@code value} is at most {@code limit}, for at most {@code millis}; returns the last value. */
    static long awaitAtMost(final LongSupplier value, final long limit, final long millis)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long current = value.getAsLong();
        while (current > limit && System.nanoTime() < deadline) {
            Thread.sleep(10);
            current = value.getAsLong();
        }
        return current;
    }
}
