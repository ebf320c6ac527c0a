package io.shmipc.nativeio;

import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

import static io.shmipc.nativeio.SharedMemory.getInt;
import static io.shmipc.nativeio.SharedMemory.setInt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MmapTest {
    @Test
    void shouldSeeWritesThroughAnotherMappingOfTheSameFile() throws Exception {
        try (SharedMemory memory = new SharedMemory("two-views")) {
            long first = memory.map();
            long second = memory.map();

            setInt(first + 128, 0x12345678);
            setInt(second + 4092, -1);

            assertEquals(0x12345678, getInt(second + 128));
            assertEquals(-1, getInt(first + 4092));
        }
    }

    @Test
    void shouldReadZerosWhenReplacedWithAnonymousMemory() throws Exception {
        int fd = MemFd.create("replaced");
        try {
            Posix.ftruncate(fd, SharedMemory.SIZE);
            long address = Mmap.map(fd, SharedMemory.SIZE, true);
            long other = Mmap.map(fd, SharedMemory.SIZE, true);
            try {
                setInt(address + 64, 99);

                Mmap.replaceWithAnonymous(address, SharedMemory.SIZE);

                assertEquals(0, getInt(address + 64), "the old range reads zeros");
                setInt(address + 64, 5);
                assertEquals(99, getInt(other + 64), "stray writes no longer reach the shared file");
            } finally {
                Mmap.unmap(address, SharedMemory.SIZE);
                Mmap.unmap(other, SharedMemory.SIZE);
            }
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldNotLeakMappingsWhenUnmapped() throws Exception {
        try (SharedMemory memory = new SharedMemory("leak-check")) {
            long before = Mmap.mappedRegionCount();
            for (int i = 0; i < 50; i++) {
                long address = Mmap.map(memory.fd, SharedMemory.SIZE, false);
                new Pointer(address).getByte(0);
                Mmap.unmap(address, SharedMemory.SIZE);
            }
            long after = Mmap.mappedRegionCount();
            // The JVM maps on its own (heap, code cache); 50 leaked mappings would show far above this slack.
            assertEquals(before, after, 10);
        }
    }

    @Test
    void shouldNameCallAndErrnoWhenMappingABadDescriptor() {
        NativeException failure = assertThrows(NativeException.class, () -> Mmap.map(-1, 4096, true));
        assertEquals(Errno.EBADF, failure.errno());
        assertEquals("mmap", failure.call());
    }
}
