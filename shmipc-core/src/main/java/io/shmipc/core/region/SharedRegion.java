package io.shmipc.core.region;

import io.shmipc.core.MemoryType;
import io.shmipc.core.ShmIpcException;
import io.shmipc.nativeio.MemFd;
import io.shmipc.nativeio.Mmap;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.Posix;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One mapped shared-memory region: a sealed memfd or a 0600 file under /dev/shm.
 *
 * <p>Closing never leaves a dangling address: the shared pages are swapped for private zero pages first
 * ({@link Mmap#replaceWithAnonymous}), so a stray late access reads zeros instead of crashing the JVM, and the
 * address range itself is released by {@link #release()} once nothing can reach it any more.
 */
public final class SharedRegion implements AutoCloseable {
    /** Largest region we create or accept; offsets in the protocol are u32 and Java buffers int-indexed. */
    public static final long MAX_LENGTH = Integer.MAX_VALUE;

    private static final int FILE_MODE = 0600;

    private final String name;
    private final MemoryType type;
    private final long address;
    private final long length;
    private final boolean ownsFile;
    private final UnsafeBuffer buffer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private int fd;
    /**
     * A file region we created: a descriptor of it kept open with a shared flock(2) until close, which tells the
     * stale-file sweep of any process that its creator lives, whatever pid namespace either is in. -1 otherwise.
     */
    private int lockFd;

    private SharedRegion(final String name, final MemoryType type, final int fd, final long address,
                         final long length, final boolean ownsFile) {
        this(name, type, fd, -1, address, length, ownsFile);
    }

    private SharedRegion(final String name, final MemoryType type, final int fd, final int lockFd, final long address,
                         final long length, final boolean ownsFile) {
        this.name = name;
        this.type = type;
        this.fd = fd;
        this.lockFd = lockFd;
        this.address = address;
        this.length = length;
        this.ownsFile = ownsFile;
        this.buffer = new UnsafeBuffer(address, (int) length);
    }

    /** Creates a memfd region sealed against shrinking and growing; keeps the fd for passing to the peer. */
    public static SharedRegion createMemfd(final String name, final long length) throws ShmIpcException {
        checkLength(length);
        int fd = -1;
        try {
            fd = MemFd.create(name);
            Posix.ftruncate(fd, length);
            MemFd.addSeals(fd, MemFd.F_SEAL_SHRINK | MemFd.F_SEAL_GROW | MemFd.F_SEAL_SEAL);
            final long address = Mmap.map(fd, length, true);
            return new SharedRegion(name, MemoryType.MEMFD, fd, address, length, false);
        } catch (final NativeException e) {
            if (fd >= 0) {
                Posix.close(fd);
            }
            throw new ShmIpcException("cannot create shared memory '" + name + "' of " + length + " bytes: "
                + e.getMessage(), e);
        }
    }

    /**
     * Creates a new 0600 file region at {@code path}; fails if the path exists. The file stays locked (shared) while
     * the region is open, see {@link #isLockedByItsCreator(String)}.
     */
    public static SharedRegion createFile(final String path, final long length) throws ShmIpcException {
        checkLength(length);
        int fd = -1;
        boolean created = false;
        try {
            fd = Posix.open(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL | Posix.O_CLOEXEC | Posix.O_NOFOLLOW,
                FILE_MODE);
            created = true;
            // Before anything else: from here on a sweep elsewhere sees the file as in use.
            Posix.flock(fd, Posix.LOCK_SH);
            Posix.fchmod(fd, FILE_MODE);
            Posix.ftruncate(fd, length);
            final long address = Mmap.map(fd, length, true);
            return new SharedRegion(path, MemoryType.FILE, -1, fd, address, length, true);
        } catch (final NativeException e) {
            if (fd >= 0) {
                Posix.close(fd);
            }
            if (created) {
                unlinkQuietly(path);
            }
            throw new ShmIpcException("cannot create shared memory file " + path + " of " + length + " bytes: "
                + e.getMessage() + hintFor(e), e);
        }
    }

    /** Maps a memfd received from the peer; takes ownership of the fd (closed once mapped). */
    public static SharedRegion mapMemfd(final String name, final int fd, final long maxLength) throws ShmIpcException {
        try {
            final long length = Posix.fileSize(fd);
            checkPeerLength(name, length, maxLength);
            final long address = Mmap.map(fd, length, true);
            Posix.close(fd);
            return new SharedRegion(name, MemoryType.MEMFD, -1, address, length, false);
        } catch (final NativeException e) {
            Posix.close(fd);
            throw new ShmIpcException("cannot map shared memory '" + name + "' from the peer: " + e.getMessage(), e);
        }
    }

    /**
     * Maps a file region the peer created. The file must be a regular file (no symlink) owned by {@code ownerUid}
     * and not writable by group or others, so a hostile local user cannot hand us memory it can still write.
     */
    public static SharedRegion mapFile(final String path, final int ownerUid, final long maxLength)
        throws ShmIpcException {
        int fd = -1;
        try {
            fd = Posix.open(path, Posix.O_RDWR | Posix.O_CLOEXEC | Posix.O_NOFOLLOW, 0);
            final int uid = Posix.fileUid(fd);
            if (uid != ownerUid) {
                throw new ShmIpcException("shared memory file " + path + " belongs to uid " + uid
                    + ", not to the peer (uid " + ownerUid + ")");
            }
            // Reference peers create their files 0777 & ~umask (typically 0755): readable is their choice, but a
            // file others may write to could be corrupted under us by a third process.
            if ((Posix.fileMode(fd) & 0022) != 0) {
                throw new ShmIpcException("shared memory file " + path + " is writable by other users (mode "
                    + Integer.toOctalString(Posix.fileMode(fd)) + ")");
            }
            final long length = Posix.fileSize(fd);
            checkPeerLength(path, length, maxLength);
            final long address = Mmap.map(fd, length, true);
            return new SharedRegion(path, MemoryType.FILE, -1, address, length, false);
        } catch (final NativeException e) {
            throw new ShmIpcException("cannot map shared memory file " + path + " from the peer: "
                + e.getMessage(), e);
        } finally {
            if (fd >= 0) {
                Posix.close(fd);
            }
        }
    }

    private static void checkLength(final long length) {
        if (length <= 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("region length must be in 1.." + MAX_LENGTH + ", got " + length);
        }
    }

    private static void checkPeerLength(final String name, final long length, final long maxLength)
        throws ShmIpcException {
        if (length <= 0 || length > Math.min(maxLength, MAX_LENGTH)) {
            throw new ShmIpcException("peer's shared memory '" + name + "' has " + length
                + " bytes, outside 1.." + Math.min(maxLength, MAX_LENGTH));
        }
    }

    private static String hintFor(final NativeException e) {
        return switch (e.errno()) {
            case 28 -> " (ENOSPC: /dev/shm is full; free space or use memfd)";
            case 13 -> " (EACCES: check the permissions of the directory)";
            case 2 -> " (ENOENT: the directory does not exist; is /dev/shm mounted?)";
            default -> "";
        };
    }

    /**
     * Whether a live process holds the lock a creator keeps on its region file ({@link #createFile}); false if the
     * file is unlocked or cannot be opened to ask. The answer holds across pid namespaces, where a pid does not.
     */
    static boolean isLockedByItsCreator(final String path) {
        final int probe;
        try {
            probe = Posix.open(path, Posix.O_RDONLY | Posix.O_CLOEXEC | Posix.O_NOFOLLOW, 0);
        } catch (final NativeException e) {
            return false;
        }
        try {
            // Refused while a creator holds its shared lock; ours goes with the probe descriptor.
            return !Posix.flock(probe, Posix.LOCK_EX | Posix.LOCK_NB);
        } catch (final NativeException e) {
            return false;
        } finally {
            Posix.close(probe);
        }
    }

    static void unlinkQuietly(final String path) {
        try {
            Posix.unlink(path);
        } catch (final NativeException ignored) {
            // Best effort: the stale-file sweep removes it later.
        }
    }

    /** The region's memory. */
    public AtomicBuffer buffer() {
        return buffer;
    }

    public String name() {
        return name;
    }

    public MemoryType type() {
        return type;
    }

    public long length() {
        return length;
    }

    /** The memfd to pass to the peer, or -1 (file regions, mapped regions, after {@link #closeFd()}). */
    public int fd() {
        return fd;
    }

    /** Closes the memfd once the peer has its own copy; the mapping stays. */
    public void closeFd() {
        if (fd >= 0) {
            Posix.close(fd);
            fd = -1;
        }
    }

    /** Unlinks the backing file now (file regions we created); the mapping stays valid. */
    public void unlink() {
        if (ownsFile) {
            unlinkQuietly(name);
        }
    }

    /**
     * Gives the shared memory back: closes the fd, removes our file, and replaces the mapping with zero pages.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeFd();
        unlink();
        if (lockFd >= 0) {
            Posix.close(lockFd);
            lockFd = -1;
        }
        try {
            Mmap.replaceWithAnonymous(address, length);
        } catch (final NativeException e) {
            // Keep the shared mapping rather than risk a hole: it is released by release() instead.
        }
    }

    /** Unmaps the address range. Only when no thread can touch the region any more. Idempotent. */
    public void release() {
        close();
        if (released.compareAndSet(false, true)) {
            Mmap.unmap(address, length);
        }
    }
}
