package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnixSocketTest {
    private static final int TIMEOUT_MILLIS = 10_000;

    @TempDir
    Path directory;

    @Test
    void shouldEchoBytesBetweenConnectedSockets() throws Exception {
        Path path = directory.resolve("echo.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 4, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept()) {
            byte[] hello = "hello, shmipc".getBytes(StandardCharsets.UTF_8);
            client.writeFully(hello, 0, hello.length);

            byte[] received = new byte[hello.length];
            server.readFully(received, 0, received.length);
            server.writeFully(received, 0, received.length);
            byte[] echoed = new byte[hello.length + 4];
            client.readFully(echoed, 2, hello.length);

            assertArrayEquals(hello, Arrays.copyOfRange(echoed, 2, 2 + hello.length));
        }
    }

    @Test
    void shouldCarryMoreThanOneBufferInOrder() throws Exception {
        Path path = directory.resolve("bulk.sock");
        byte[] data = new byte[5 * UnixSocket.DATA_CAPACITY + 17];
        new Random(42).nextBytes(data);
        try (UnixSocket listener = UnixSocket.listen(path, 4, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept()) {
            CompletableFuture<byte[]> received = TestThreads.start(() -> {
                byte[] all = new byte[data.length];
                server.readFully(all, 0, all.length);
                return all;
            });

            client.writeFully(data, 0, data.length);

            assertArrayEquals(data, received.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void shouldGiveUpAWriteWithADeadlineWhenThePeerStopsReadingAndSayHowMuchWentOut() throws Exception {
        Path path = directory.resolve("stalled.sock");
        byte[] data = new byte[32 << 20];
        new Random(7).nextBytes(data);
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket writer = UnixSocket.connect(path);
             UnixSocket reader = listener.accept()) {
            long started = System.nanoTime();
            WriteTimeoutException timeout = assertThrows(WriteTimeoutException.class,
                () -> writer.writeFully(data, 0, data.length, started + TimeUnit.MILLISECONDS.toNanos(200)));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertTrue(tookMillis >= 190, "waited for the deadline, took " + tookMillis + " ms");
            assertTrue(tookMillis < TIMEOUT_MILLIS, "gave up, took " + tookMillis + " ms");
            assertTrue(timeout.bytesWritten() > 0 && timeout.bytesWritten() < data.length,
                "part of the data went out: " + timeout.bytesWritten());
            byte[] head = new byte[(int) timeout.bytesWritten()];
            reader.readFully(head, 0, head.length);
            assertArrayEquals(Arrays.copyOf(data, head.length), head, "the bytes reported sent are the first ones");
            assertFalse(reader.awaitReadable(50), "nothing beyond what was reported sent");
        }
    }

    @Test
    void shouldCompleteAWriteWithADeadlineWhileThePeerKeepsReading() throws Exception {
        Path path = directory.resolve("deadline.sock");
        byte[] data = new byte[8 << 20];
        new Random(8).nextBytes(data);
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket writer = UnixSocket.connect(path);
             UnixSocket reader = listener.accept()) {
            CompletableFuture<byte[]> received = TestThreads.start(() -> {
                byte[] all = new byte[data.length];
                reader.readFully(all, 0, all.length);
                return all;
            });

            writer.writeFully(data, 0, data.length, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS));

            assertArrayEquals(data, received.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void shouldCreateSocketFileWithTheRequestedMode() throws Exception {
        Path path = directory.resolve("private.sock");
        try (UnixSocket ignored = UnixSocket.listen(path, 1, 0600)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertEquals(0600, mode & 07777);
        }
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "close leaves the path to its owner");
    }

    @Test
    void shouldPassMemfdsThatTheReceiverMapsAndReads() throws Exception {
        Path path = directory.resolve("fds.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket sender = UnixSocket.connect(path);
             UnixSocket receiver = listener.accept();
             SharedMemory first = new SharedMemory("passed-1");
             SharedMemory second = new SharedMemory("passed-2")) {
            SharedMemory.setInt(first.map(), 111);
            SharedMemory.setInt(second.map() + 8, 222);

            sender.sendFds(new byte[] {7, 8}, 0, 2, new int[] {first.fd, second.fd});
            byte[] data = new byte[16];
            UnixSocket.ReceivedFds received = receiver.receiveFds(data, 4, 12, 4);

            assertEquals(2, received.bytesRead());
            assertEquals(7, data[4]);
            assertEquals(8, data[5]);
            assertEquals(2, received.fds().length);
            long firstView = Mmap.map(received.fds()[0], SharedMemory.SIZE, true);
            long secondView = Mmap.map(received.fds()[1], SharedMemory.SIZE, false);
            try {
                assertEquals(111, SharedMemory.getInt(firstView));
                assertEquals(222, SharedMemory.getInt(secondView + 8));
            } finally {
                Mmap.unmap(firstView, SharedMemory.SIZE);
                Mmap.unmap(secondView, SharedMemory.SIZE);
                Arrays.stream(received.fds()).forEach(Posix::close);
            }
        }
    }

    @Test
    void shouldCloseExtraDescriptorsAndFailWhenMoreArriveThanExpected() throws Exception {
        Path path = directory.resolve("ctrunc.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket sender = UnixSocket.connect(path);
             UnixSocket receiver = listener.accept();
             SharedMemory first = new SharedMemory("extra-1");
             SharedMemory second = new SharedMemory("extra-2")) {
            int before = Posix.openFdCount();
            sender.sendFds(new byte[] {1}, 0, 1, new int[] {first.fd, second.fd});

            NativeException failure = assertThrows(NativeException.class,
                () -> receiver.receiveFds(new byte[1], 0, 1, 1));

            assertTrue(failure.getMessage().contains("MSG_CTRUNC"), failure.getMessage());
            assertEquals(before, Posix.openFdCount(), "the descriptor that did arrive was closed");
        }
    }

    @Test
    void shouldReceivePlainDataWithNoDescriptors() throws Exception {
        Path path = directory.resolve("plain.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket sender = UnixSocket.connect(path);
             UnixSocket receiver = listener.accept()) {
            sender.writeFully(new byte[] {5, 6, 7}, 0, 3);

            UnixSocket.ReceivedFds received = receiver.receiveFds(new byte[8], 0, 8, 2);

            assertEquals(3, received.bytesRead());
            assertEquals(0, received.fds().length);
            sender.close();
            assertEquals(-1, receiver.receiveFds(new byte[8], 0, 8, 2).bytesRead());
        }
    }

    @Test
    void shouldReportOwnProcessAsPeer() throws Exception {
        Path path = directory.resolve("creds.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept()) {
            PeerCredentials ofClient = server.peerCredentials();
            PeerCredentials ofServer = client.peerCredentials();

            assertEquals(Posix.getpid(), ofClient.pid());
            assertEquals(Posix.getuid(), ofClient.uid());
            assertEquals(ofClient, ofServer);
        }
    }

    @Test
    void shouldWakeBlockedReaderWhenClosed() throws Exception {
        Path path = directory.resolve("read-close.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path)) {
            UnixSocket server = listener.accept();
            CompletableFuture<Integer> read = TestThreads.start(() -> server.read(new byte[8], 0, 8));
            Thread.sleep(200);
            assertFalse(read.isDone(), "the reader is blocked");

            server.close();

            Throwable failure = awaitFailure(read);
            assertInstanceOf(SocketClosedException.class, failure);
            assertFalse(server.isOpen());
            assertEquals(-1, client.read(new byte[1], 0, 1), "the peer sees end of stream");
        }
    }

    @Test
    void shouldWakeBlockedAcceptWhenClosed() throws Exception {
        Path path = directory.resolve("accept-close.sock");
        UnixSocket listener = UnixSocket.listen(path, 1, 0600);
        CompletableFuture<UnixSocket> accepted = TestThreads.start(listener::accept);
        Thread.sleep(200);
        assertFalse(accepted.isDone(), "accept is blocked");

        listener.close();

        assertInstanceOf(SocketClosedException.class, awaitFailure(accepted));
        assertThrows(SocketClosedException.class, listener::accept);
        listener.close();
    }

    @Test
    void shouldFailReadFullyWithPeerClosedWhenStreamEndsEarly() throws Exception {
        Path path = directory.resolve("eof.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept()) {
            client.writeFully(new byte[3], 0, 3);
            client.shutdownOutput();

            PeerClosedException eof = assertThrows(PeerClosedException.class,
                () -> server.readFully(new byte[10], 0, 10));
            assertTrue(eof.getMessage().contains("after 3 of 10 bytes"), eof.getMessage());
            assertEquals(0, eof.errno());
        }
    }

    @Test
    void shouldFailWriteWithPeerClosedWhenPeerIsGone() throws Exception {
        Path path = directory.resolve("epipe.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path)) {
            listener.accept().close();

            PeerClosedException gone = assertThrows(PeerClosedException.class,
                () -> client.writeFully(new byte[100], 0, 100));
            assertEquals(Errno.EPIPE, gone.errno());
        }
    }

    @Test
    void shouldTellWhenDataIsReadable() throws Exception {
        Path path = directory.resolve("poll.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path)) {
            assertTrue(listener.awaitReadable(TIMEOUT_MILLIS), "a pending connection makes the listener readable");
            try (UnixSocket server = listener.accept()) {
                assertFalse(server.awaitReadable(20));

                client.writeFully(new byte[] {1}, 0, 1);

                assertTrue(server.awaitReadable(TIMEOUT_MILLIS));
            }
        }
    }

    @Test
    void shouldReplaceAStaleSocketFile() throws Exception {
        Path path = directory.resolve("stale.sock");
        UnixSocket.listen(path, 1, 0600).close();
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "a dead listener's file is left");

        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept()) {
            client.writeFully(new byte[] {9}, 0, 1);
            assertEquals(9, readOne(server));
        }
    }

    @Test
    void shouldRefuseToBindOverALiveListener() throws Exception {
        Path path = directory.resolve("live.sock");
        try (UnixSocket live = UnixSocket.listen(path, 1, 0600)) {
            NativeException inUse = assertThrows(NativeException.class, () -> UnixSocket.listen(path, 1, 0600));

            assertEquals(Errno.EADDRINUSE, inUse.errno());
            assertTrue(inUse.getMessage().contains("another process is listening there"), inUse.getMessage());
            try (UnixSocket probe = live.accept()) {
                assertEquals(-1, probe.read(new byte[1], 0, 1), "the liveness probe connects and hangs up");
            }
            try (UnixSocket client = UnixSocket.connect(path); UnixSocket server = live.accept()) {
                client.writeFully(new byte[] {3}, 0, 1);
                assertEquals(3, readOne(server), "the live listener still works");
            }
        }
    }

    @Test
    void shouldRefuseToBindOverAFileThatIsNotASocket() throws Exception {
        Path path = Files.writeString(directory.resolve("data.txt"), "keep me");

        NativeException inUse = assertThrows(NativeException.class, () -> UnixSocket.listen(path, 1, 0600));

        assertEquals(Errno.EADDRINUSE, inUse.errno());
        assertEquals("keep me", Files.readString(path));
    }

    @Test
    void shouldRefuseAPathLongerThanSunPath() {
        Path path = directory.resolve("x".repeat(120) + ".sock");

        NativeException tooLong = assertThrows(NativeException.class, () -> UnixSocket.listen(path, 1, 0600));
        NativeException tooLongToConnect = assertThrows(NativeException.class, () -> UnixSocket.connect(path));

        assertEquals(Errno.ENAMETOOLONG, tooLong.errno());
        assertEquals(Errno.ENAMETOOLONG, tooLongToConnect.errno());
        assertTrue(tooLong.getMessage().contains("longer than the 107 bytes"), tooLong.getMessage());
    }

    @Test
    void shouldRefuseConnectionWhenNobodyListens() {
        NativeException missing = assertThrows(NativeException.class,
            () -> UnixSocket.connect(directory.resolve("nobody.sock")));

        assertEquals(Errno.ENOENT, missing.errno());
        assertEquals("connect", missing.call());
    }

    @Test
    void shouldReleaseDescriptorsAndBuffersWhenClosed() throws Exception {
        Path path = directory.resolve("leak.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 8, 0600)) {
            // Sockets only: the JVM opens and closes other descriptors (jar files, pipes) at any time.
            long before = openSockets();
            for (int i = 0; i < 20; i++) {
                try (UnixSocket client = UnixSocket.connect(path); UnixSocket server = listener.accept()) {
                    client.writeFully(new byte[] {(byte) i}, 0, 1);
                    assertEquals(i, readOne(server));
                }
            }
            assertEquals(before, openSockets());
        }
    }

    @Test
    void shouldBeIdempotentAndRefuseCallsAfterClose() throws Exception {
        Path path = directory.resolve("closed.sock");
        try (UnixSocket listener = UnixSocket.listen(path, 1, 0600)) {
            UnixSocket client = UnixSocket.connect(path);
            client.close();
            client.close();
            client.shutdownOutput();

            assertFalse(client.isOpen());
            assertThrows(SocketClosedException.class, () -> client.writeFully(new byte[1], 0, 1));
            assertThrows(SocketClosedException.class, () -> client.read(new byte[1], 0, 1));
            assertThrows(SocketClosedException.class, client::peerCredentials);
            assertThrows(SocketClosedException.class, () -> client.awaitReadable(0));
        }
    }

    /** Descriptors of this process that are sockets, from /proc/self/fd. */
    private static long openSockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while listing (the listing's own descriptor among them)
                }
            }).count();
        }
    }

    private static int readOne(UnixSocket socket) throws NativeException {
        byte[] one = new byte[1];
        socket.readFully(one, 0, 1);
        return one[0];
    }

    private static Throwable awaitFailure(CompletableFuture<?> future) throws Exception {
        ExecutionException failed = assertThrows(ExecutionException.class,
            () -> future.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        return failed.getCause();
    }
}
