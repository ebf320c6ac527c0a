package io.shmipc.nativeio;

import com.sun.jna.Pointer;

/** A memfd of one page and its mappings, for tests; closes everything it made. */
final class SharedMemory implements AutoCloseable {
    static final int SIZE = 4096;

    final int fd;
    private final long[] mappings = new long[4];
    private int mappingCount;

    SharedMemory(String name) throws NativeException {
        fd = MemFd.create(name);
        Posix.ftruncate(fd, SIZE);
    }

    long map() throws NativeException {
        long address = Mmap.map(fd, SIZE, true);
        mappings[mappingCount++] = address;
        return address;
    }

    static int getInt(long address) {
        return new Pointer(address).getInt(0);
    }

    static void setInt(long address, int value) {
        new Pointer(address).setInt(0, value);
    }

    @Override
    public void close() {
        for (int i = 0; i < mappingCount; i++) {
            Mmap.unmap(mappings[i], SIZE);
        }
        Posix.close(fd);
    }
}
