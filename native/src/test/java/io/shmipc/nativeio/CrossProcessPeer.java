package io.shmipc.nativeio;

import java.nio.file.Path;

/**
 * The second process of {@link CrossProcessTest}: connects to the socket given as argument, receives a memfd, maps
 * it, wakes the parent sleeping on word 0 while the word is still 0 (which proves the futex crosses processes),
 * then stores {@link #ANSWER} and wakes again. Exit code 0 on success; every wait is bounded.
 */
public final class CrossProcessPeer {
    static final int ANSWER = 42;
    static final int EXIT_NO_WAITER = 3;
    private static final long WAIT_LIMIT_NANOS = 20_000_000_000L;

    private CrossProcessPeer() {
    }

    public static void main(String[] args) throws Exception {
        try (UnixSocket socket = UnixSocket.connect(Path.of(args[0]))) {
            UnixSocket.ReceivedFds received = socket.receiveFds(new byte[1], 0, 1, 1);
            int memfd = received.fds()[0];
            long word = Mmap.map(memfd, SharedMemory.SIZE, true);
            try {
                if (!wakeTheSleepingParent(word)) {
                    System.exit(EXIT_NO_WAITER);
                }
                SharedMemory.setInt(word, ANSWER);
                Futex.wake(word, Integer.MAX_VALUE);
                System.out.println("peer " + Posix.getpid() + " stored " + ANSWER);
            } finally {
                Mmap.unmap(word, SharedMemory.SIZE);
                Posix.close(memfd);
            }
        }
    }

    private static boolean wakeTheSleepingParent(long word) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_LIMIT_NANOS;
        while (System.nanoTime() < deadline) {
            if (Futex.wake(word, 1) == 1) {
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }
}
