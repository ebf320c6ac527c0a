package io.shmipc.core;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ShmServer#startEventDriven}: streams served by listeners on the draining thread, over real shared memory. */
class EventDrivenServerTest {
    private static final int HEADER = 4;

    @TempDir
    Path dir;
    private ShmServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** Echoes length-prefixed messages; keeps a partial one for the next call, as a listener must. */
    private static void framedEcho(final Stream stream) {
        final StreamReader reader = stream.reader();
        try {
            while (reader.available() >= HEADER) {
                final int length = reader.view(HEADER).getInt(0, ByteOrder.LITTLE_ENDIAN);
                if (reader.available() < HEADER + (long) length) {
                    return;
                }
                final DirectBuffer message = reader.view(HEADER + length);
                final StreamWriter writer = stream.writer();
                writer.write(message, 0, HEADER + length);
                reader.release(HEADER + length);
                writer.flush();
            }
            if (stream.isRemoteClosed()) {
                stream.close();
            }
        } catch (final ShmIpcException e) {
            stream.close();
        }
    }

    private SessionConfig config() {
        return SessionConfig.builder().filePrefix(dir.resolve("shm").toString()).build();
    }

    @Test
    void shouldEchoOnManyStreamsFromTheSessionThreadsAlone() throws Exception {
        final Set<String> listenerThreads = ConcurrentHashMap.newKeySet();
        server = ShmServer.startEventDriven(dir.resolve("events.sock"), config(), stream -> {
            listenerThreads.add(Thread.currentThread().getName());
            framedEcho(stream);
        });
        final int[] sizes = {0, 1, 64, 8191, 100_000, 1 << 20, 3 << 20};
        final ExecutorService clients = Executors.newFixedThreadPool(8);
        try (Session session = Session.connect(dir.resolve("events.sock"), config())) {
            final List<Future<?>> calls = new ArrayList<>();
            for (int s = 0; s < 8; s++) {
                final int seed = s;
                calls.add(clients.submit(() -> {
                    final Stream stream = session.openStream();
                    stream.readTimeout(Duration.ofSeconds(20));
                    final Random random = new Random(seed);
                    for (int round = 0; round < 3; round++) {
                        for (final int size : sizes) {
                            final byte[] out = new byte[HEADER + size];
                            random.nextBytes(out);
                            new org.agrona.concurrent.UnsafeBuffer(out).putInt(0, size, ByteOrder.LITTLE_ENDIAN);
                            stream.write(out, 0, out.length);
                            final byte[] in = new byte[out.length];
                            stream.readFully(in, 0, in.length);
                            assertArrayEquals(out, in, "stream " + stream.id() + ", " + size + " bytes");
                        }
                    }
                    stream.close();
                    return null;
                }));
            }
            for (final Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        // The receive thread serves the streams; the control thread drains what is left when the peer goes.
        assertTrue(listenerThreads.stream().allMatch(t -> t.startsWith("shmipc-recv-") || t.startsWith("shmipc-ctl-")),
            "only the session's own threads served the 8 streams: " + listenerThreads);
    }

    @Test
    void shouldCloseTheStreamOfAListenerThatWaitsForData() throws Exception {
        final CountDownLatch refused = new CountDownLatch(1);
        server = ShmServer.startEventDriven(dir.resolve("waits.sock"), config(), stream -> {
            try {
                stream.reader().view(1000);
            } catch (final IllegalStateException e) {
                refused.countDown();
                throw e;
            } catch (final ShmIpcException e) {
                throw new AssertionError(e);
            }
        });
        try (Session session = Session.connect(dir.resolve("waits.sock"), config())) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            stream.write(new byte[10], 0, 10);

            assertTrue(refused.await(10, TimeUnit.SECONDS), "the waiting read was refused");
            assertEquals(-1, stream.read(new byte[1], 0, 1), "the listener's stream was closed");
            assertTrue(!session.isClosed(), "the session goes on");
        }
    }

    @Test
    void shouldTellTheListenerWhenThePeerClosesItsSideAndWhenTheSessionEnds() throws Exception {
        final CountDownLatch remoteClosed = new CountDownLatch(1);
        final CountDownLatch sessionEnded = new CountDownLatch(1);
        server = ShmServer.startEventDriven(dir.resolve("ends.sock"), config(), stream -> {
            if (stream.isRemoteClosed()) {
                remoteClosed.countDown();
            } else if (stream.session().isClosed()) {
                sessionEnded.countDown();
            }
        });
        try (Session session = Session.connect(dir.resolve("ends.sock"), config())) {
            final Stream closing = session.openStream();
            closing.write(new byte[3], 0, 3);
            closing.close();
            assertTrue(remoteClosed.await(10, TimeUnit.SECONDS), "the listener saw the peer close its side");

            final Stream open = session.openStream();
            open.write(new byte[3], 0, 3);
            assertTrue(waitForServerSide(), "server stream exists");
        }
        assertTrue(sessionEnded.await(10, TimeUnit.SECONDS), "the listener saw the session end");
    }

    private boolean waitForServerSide() throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!server.sessions().isEmpty() && server.sessions().get(0).metrics().messagesReceived() >= 2) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }
}
