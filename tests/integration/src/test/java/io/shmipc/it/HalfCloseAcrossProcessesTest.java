package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.StreamHandler;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Half-close between two JVMs: a client process sends many messages and shuts its output; the server reads to the
 * end of the stream, answers with a summary of everything it read and shuts its output too; the client reads the
 * answer to the end. Both sides then hold no stream.
 */
class HalfCloseAcrossProcessesTest {
    private static final int MESSAGES = 400;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} memory")
    @EnumSource(MemoryType.class)
    void shouldAnswerWithASummaryOfEverythingSentBeforeTheClientShutItsOutput(final MemoryType type)
        throws Exception {
        final Path socket = dir.resolve("server.sock");
        final CompletableFuture<Session> served = new CompletableFuture<>();
        final StreamHandler summarizer = stream -> {
            try {
                stream.readTimeout(Duration.ofSeconds(30));
                final CRC32 crc = new CRC32();
                final byte[] buffer = new byte[64 << 10];
                long bytes = 0;
                int n;
                while ((n = stream.read(buffer, 0, buffer.length)) >= 0) {
                    crc.update(buffer, 0, n);
                    bytes += n;
                }
                final byte[] reply = summary(bytes, crc.getValue());
                stream.write(reply, 0, reply.length);
                stream.shutdownOutput();
                served.complete(stream.session());
            } catch (final ShmIpcException | RuntimeException e) {
                served.completeExceptionally(e);
                stream.close();
            }
        };
        final CRC32 expected = new CRC32();
        long expectedBytes = 0;
        for (int i = 0; i < MESSAGES; i++) {
            final byte[] payload = Echo.payload(HalfClosePeerMain.size(i), i);
            expected.update(payload);
            expectedBytes += payload.length;
        }
        final String expectedReply = new String(summary(expectedBytes, expected.getValue()), StandardCharsets.US_ASCII);

        try (ShmServer server = ShmServer.start(socket, SessionConfig.defaults(), summarizer);
             PeerProcess client = PeerProcess.start(HalfClosePeerMain.class, List.of(socket.toString(),
                 Integer.toString(MESSAGES)), Map.of("SHMIPC_MEMORY_TYPE", type.name().toLowerCase(),
                 "SHMIPC_FILE_PREFIX", Resources.uniqueShmPrefix("halfclose")), dir)) {
            assertEquals("REPLY " + expectedReply, client.awaitLine("REPLY", 60_000),
                "the server read every byte before the end" + client.describe());
            assertTrue(client.awaitLine("REFUSED", 10_000).contains("output shut down"), client.describe());
            assertEquals("STREAMS 0", client.awaitLine("STREAMS", 10_000),
                "the client's stream left its session once both directions were shut" + client.describe());
            final Session serverSession = served.get(10, TimeUnit.SECONDS);
            assertTrue(serverSession.supportsHalfClose());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (serverSession.activeStreams() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, serverSession.activeStreams(), "the server's stream left its session");
            assertEquals(0, client.stop(), client.describe());
        }
    }

    private static byte[] summary(final long bytes, final long crc) {
        return (bytes + " bytes crc32 " + Long.toHexString(crc)).getBytes(StandardCharsets.US_ASCII);
    }
}
