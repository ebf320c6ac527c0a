package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventFdTest {
    @Test
    void shouldReadTheSumOfWrites() throws Exception {
        int fd = EventFd.create(0, EventFd.EFD_CLOEXEC);
        try {
            EventFd.write(fd, 3);
            EventFd.write(fd, 4);

            assertEquals(7, EventFd.read(fd));
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldReturnZeroWhenNonBlockingCounterIsEmpty() throws Exception {
        int fd = EventFd.create(2, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        try {
            assertEquals(2, EventFd.read(fd));
            assertEquals(0, EventFd.read(fd));
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldTakeOneAtATimeInSemaphoreMode() throws Exception {
        int fd = EventFd.create(2, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK | EventFd.EFD_SEMAPHORE);
        try {
            assertEquals(1, EventFd.read(fd));
            assertEquals(1, EventFd.read(fd));
            assertEquals(0, EventFd.read(fd));
        } finally {
            Posix.close(fd);
        }
    }
}
