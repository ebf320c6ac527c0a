package io.shmipc.nativeio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shared memory mappings of a file descriptor, addressed by absolute native addresses.
 */
public final class Mmap {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 0x01;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1;
    private static final int NO_FD = -1;

    private static final Path PROC_SELF_MAPS = Path.of("/proc/self/maps");

    private Mmap() {
    }

    /**
     * Maps a file shared from offset 0 ({@code mmap(MAP_SHARED)}): stores are seen by every process mapping the
     * same file.
     *
     * @param fd       a descriptor open for reading, and for writing if {@code writable}
     * @param length   bytes to map, {@code > 0}; touching pages beyond the file's size raises SIGBUS
     * @param writable map read-write instead of read-only
     * @return the mapping's absolute address; release it with {@link #unmap(long, long)}
     * @throws NativeException e.g. {@code EACCES} for a mode the descriptor does not allow, {@code ENOMEM}
     */
    public static long map(int fd, long length, boolean writable) throws NativeException {
        Platform.ensureSupported();
        int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
        long address = LibC.mmap(0, length, protection, MAP_SHARED, fd, 0);
        if (address == MAP_FAILED) {
            throw new NativeException("mmap", "mmap(fd " + fd + ", " + length + " bytes, "
                + (writable ? "read-write" : "read-only") + ", MAP_SHARED)", LibC.errno());
        }
        return address;
    }

    /**
     * Removes a mapping ({@code munmap}); errors are ignored.
     *
     * @param address an address {@link #map} returned (or a page-aligned address inside a mapping)
     * @param length  the length that was mapped
     */
    public static void unmap(long address, long length) {
        Platform.ensureSupported();
        LibC.munmap(address, length);
    }

    /**
     * Atomically replaces [address, address+length) with a private anonymous zero-filled mapping (MAP_FIXED),
     * releasing the shared pages while keeping the address range valid, so a late access by a stray thread reads
     * zeros instead of crashing the JVM.
     *
     * <p>The replacement is readable and writable (stray writes land in private memory and are lost) and reserves no
     * swap; its pages cost memory only once touched. Release the range with {@link #unmap(long, long)} once no thread
     * can touch it any more.
     *
     * @param address a page-aligned address, normally one {@link #map} returned
     * @param length  the length that was mapped
     * @throws NativeException e.g. {@code EINVAL} for an unaligned address, {@code ENOMEM}
     */
    public static void replaceWithAnonymous(long address, long length) throws NativeException {
        Platform.ensureSupported();
        long replaced = LibC.mmap(address, length, PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, NO_FD, 0);
        if (replaced == MAP_FAILED) {
            throw new NativeException("mmap", "mmap(0x" + Long.toHexString(address) + ", " + length
                + " bytes, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)", LibC.errno());
        }
    }

    /**
     * How many mappings this process has, from the lines of {@code /proc/self/maps}. Meant for leak tests: the JVM
     * maps and unmaps on its own, so compare before and after with some slack.
     *
     * @return the number of mapped regions
     * @throws UncheckedIOException if {@code /proc/self/maps} cannot be read
     */
    public static long mappedRegionCount() {
        Platform.ensureSupported();
        try (BufferedReader maps = Files.newBufferedReader(PROC_SELF_MAPS, StandardCharsets.ISO_8859_1)) {
            return maps.lines().count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PROC_SELF_MAPS, e);
        }
    }
}
