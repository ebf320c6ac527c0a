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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    /** How /proc shows a socket descriptor's target: "socket:[inode]". */
    private static final String SOCKET_PREFIX = "socket:[";

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

    /**
     * Socket descriptors of {@code pid} other than the JVM's attach listener. {@code jstack}, {@code jcmd} and any other
     * attach (by anyone on the machine, at any time) make HotSpot bind a listening socket at
     * {@code /tmp/.java_pid<pid>} that stays open for the rest of the JVM's life: it belongs to no session and must not
     * count as one.
     */
    static long sessionSocketFds(final long pid) {
        // Descriptors first: a socket whose descriptor we saw is in the socket table by the time we read it.
        final List<String> targets = fdTargets(pid);
        final Set<String> attach = attachListenerInodes(pid);
        return targets.stream().filter(target -> target.startsWith(SOCKET_PREFIX)
            && !attach.contains(socketInode(target))).count();
    }

    /**
     * Socket descriptors of {@code pid} bound to {@code path}: a listener there and the connections it accepted (the
     * socket table names them by the listener's path; the connecting ends have no name).
     */
    static long socketFdsOn(final long pid, final Path path) {
        final List<String> targets = fdTargets(pid);
        final Set<String> onPath = new HashSet<>();
        for (final UnixSocketEntry entry : unixSockets(pid)) {
            if (entry.path().equals(path.toString())) {
                onPath.add(entry.inode());
            }
        }
        return targets.stream().filter(target -> target.startsWith(SOCKET_PREFIX)
            && onPath.contains(socketInode(target))).count();
    }

    /**
     * Inodes of the unix sockets bound to the attach path of {@code pid}; the socket table keeps the name it was bound
     * to, ".java_pidN.tmp", which HotSpot then renames.
     */
    private static Set<String> attachListenerInodes(final long pid) {
        final String attachName = "/.java_pid" + pid;
        final Set<String> inodes = new HashSet<>();
        for (final UnixSocketEntry entry : unixSockets(pid)) {
            if (entry.path().endsWith(attachName) || entry.path().endsWith(attachName + ".tmp")) {
                inodes.add(entry.inode());
            }
        }
        return inodes;
    }

    /**
     * Each socket descriptor of {@code pid} with what the kernel says of it (listening or connected, bound path), and
     * the process's thread names, read from /proc so that the description does not itself attach to the JVM.
     */
    static String describeSockets(final long pid) {
        final Map<String, UnixSocketEntry> byInode = new HashMap<>();
        unixSockets(pid).forEach(entry -> byInode.put(entry.inode(), entry));
        final StringBuilder out = new StringBuilder("\nsockets of pid ").append(pid).append(':');
        for (final String target : fdTargets(pid)) {
            if (target.startsWith(SOCKET_PREFIX)) {
                final UnixSocketEntry entry = byInode.get(socketInode(target));
                out.append("\n  ").append(target).append(' ').append(entry == null ? "(not a unix socket)" : entry);
            }
        }
        out.append("\nthreads of pid ").append(pid).append(':');
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (final Path task : tasks) {
                try {
                    out.append(' ').append(Files.readString(task.resolve("comm")).trim()).append(';');
                } catch (final NoSuchFileException e) {
                    // the thread ended while we listed
                }
            }
        } catch (final IOException e) {
            out.append(" (cannot list: ").append(e.getMessage()).append(')');
        }
        return out.toString();
    }

    /** Unix sockets of the network namespace {@code pid} lives in ({@code /proc/<pid>/net/unix}). */
    private static List<UnixSocketEntry> unixSockets(final long pid) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", "unix"));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        final List<UnixSocketEntry> entries = new ArrayList<>();
        // "Num RefCount Protocol Flags Type St Inode [Path]"; the first line is the heading.
        for (final String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            final String[] fields = line.trim().split("\\s+", 8);
            if (fields.length >= 7) {
                entries.add(new UnixSocketEntry(fields[6], fields[3], fields[5], fields.length == 8 ? fields[7] : ""));
            }
        }
        return entries;
    }

    private static String socketInode(final String target) {
        return target.substring(SOCKET_PREFIX.length(), target.length() - 1);
    }

    /** One line of /proc/net/unix: flags 00010000 mark a listener; state 01 unconnected, 03 connected. */
    private record UnixSocketEntry(String inode, String flags, String state, String path) {
        @Override
        public String toString() {
            final String role = "00010000".equals(flags) ? "listening" : "03".equals(state) ? "connected"
                : "state " + state;
            return role + (path.isEmpty() ? "" : " on " + path);
        }
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
