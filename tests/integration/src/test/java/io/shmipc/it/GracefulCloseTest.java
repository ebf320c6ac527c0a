package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.StreamHandler;
import io.shmipc.demo.EchoFrame;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client process that closes its session on purpose (not a crash): what it flushed before closing reaches the
 * server, as bytes written to a socket before close(2) would, and data the server already buffered is read intact
 * or fails loudly, never as different bytes.
 */
class GracefulCloseTest {
    private static final int FRAMES = 200;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldDeliverEverythingFlushedBeforeTheClientClosedItsSession(final MemoryType type) throws Exception {
        final Path socket = dir.resolve("server.sock");
        final CompletableFuture<String> outcome = new CompletableFuture<>();
        final StreamHandler counter = stream -> {
            int frames = 0;
            try {
                final byte[] into = new byte[256 << 10];
                int length;
                while ((length = EchoFrame.receive(stream, into)) >= 0) {
                    assertEquals(ClientPeerMain.sendAndCloseSize(frames), length, "frame " + frames + " length");
                    frames++;
                }
                outcome.complete(frames + " frames, then end of stream");
            } catch (final ShmIpcException | AssertionError e) {
                outcome.complete(frames + " frames, then " + e);
            } finally {
                stream.close();
            }
        };
        final String prefix = Resources.uniqueShmPrefix("graceful");
        try (ShmServer server = ShmServer.start(socket, SessionConfig.defaults(), counter);
             PeerProcess client = PeerProcess.start(ClientPeerMain.class, List.of("send-and-close",
                 socket.toString(), Integer.toString(FRAMES)), Map.of("SHMIPC_MEMORY_TYPE",
                 type.name().toLowerCase(), "SHMIPC_FILE_PREFIX", prefix), dir)) {
            client.awaitLine("STARTED", 30_000);
            client.send("GO");
            client.awaitLine("SENT", 30_000);
            assertEquals(FRAMES + " frames, then end of stream", outcome.get(10, TimeUnit.SECONDS),
                "what the server received" + client.describe());
        }
    }

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldNeverReadZeroesInPlaceOfDataBufferedWhenThePeerClosed(final MemoryType type) throws Exception {
        final Path socket = dir.resolve("server.sock");
        final CompletableFuture<String> outcome = new CompletableFuture<>();
        final CountDownLatch buffered = new CountDownLatch(1);
        final CountDownLatch peerClosed = new CountDownLatch(1);
        final StreamHandler handler = stream -> {
            try {
                assertTrue(stream.reader().await(ClientPeerMain.BUFFERED_BYTES, TimeUnit.SECONDS.toNanos(10)));
                buffered.countDown();
                assertTrue(peerClosed.await(10, TimeUnit.SECONDS));
                final byte[] in = new byte[ClientPeerMain.BUFFERED_BYTES];
                stream.readFully(in, 0, in.length);
                final byte[] sent = Echo.payload(ClientPeerMain.BUFFERED_BYTES, ClientPeerMain.BUFFERED_SEED);
                outcome.complete(Arrays.equals(in, sent) ? "intact" : "different bytes from " + Arrays.mismatch(in,
                    sent));
            } catch (final ShmIpcException e) {
                outcome.complete("intact");
            } catch (final InterruptedException | AssertionError e) {
                outcome.complete("test failed: " + e);
            } finally {
                stream.close();
            }
        };
        final String prefix = Resources.uniqueShmPrefix("buffered");
        try (ShmServer server = ShmServer.start(socket, SessionConfig.defaults(), handler);
             PeerProcess client = PeerProcess.start(ClientPeerMain.class, List.of("send-wait-close",
                 socket.toString()), Map.of("SHMIPC_MEMORY_TYPE", type.name().toLowerCase(), "SHMIPC_FILE_PREFIX",
                 prefix), dir)) {
            client.awaitLine("STARTED", 30_000);
            client.send("GO");
            client.awaitLine("SENT", 30_000);
            assertTrue(buffered.await(10, TimeUnit.SECONDS), "the server buffered the whole message");
            client.send("CLOSE");
            client.awaitLine("CLOSED", 10_000);
            // Let the server notice the end of the control connection and end the session.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!server.sessions().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            peerClosed.countDown();
            assertEquals("intact", outcome.get(10, TimeUnit.SECONDS),
                "buffered data is read intact or not at all (an exception), never as other bytes");
            assertEquals(0, client.stop(), client.describe());
        }
    }
}
