package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionMetrics;
import io.shmipc.core.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream.Builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message size that matters (empty, tiny, both sides of a slice boundary, multi-slice chains up to 8 MB)
 * echoes intact between this JVM and an echo server JVM, in both memory modes and over both wake-up paths.
 */
class EchoAcrossProcessesTest {
    /** Payload sizes: 8164..8166 put the whole frame (8-byte header + payload) at 8172 +- 1, a slice's data capacity. */
    private static final int[] SIZES = {0, 1, 64, 1020, 1024, 1025, 8164, 8165, 8166, 8171, 8172, 8173, 64 << 10, 1 << 20, 8 << 20};
    /** Short spins on both sides so that receivers park between messages and every round trip needs wake-ups. */
    private static final String SPIN = "100";

    @TempDir
    Path dir;

    static java.util.stream.Stream<Arguments> modes() {
        final Builder<Arguments> modes = java.util.stream.Stream.builder();
        for (final MemoryType type : MemoryType.values()) {
            modes.add(Arguments.of(type, true, true));
            modes.add(Arguments.of(type, false, true));
        }
        // Between two shmipc-java peers over memfd the message rings carry everything; this keeps the reference
        // queue path covered across processes as well.
        modes.add(Arguments.of(MemoryType.MEMFD, true, false));
        return modes.build();
    }

    @ParameterizedTest(name = "{0} memory, futex wake-ups {1}, message rings offered {2}")
    @MethodSource("modes")
    void shouldEchoEverySizeIntactWithAServerInAnotherJvm(final MemoryType type, final boolean futex,
                                                          final boolean rings) throws Exception {
        final String prefix = Resources.uniqueShmPrefix("echo");
        final Path socket = dir.resolve("echo.sock");
        try (PeerProcess server = PeerProcess.echoServer(socket, Map.of("SHMIPC_FUTEX_WAKE", Boolean.toString(futex),
            "SHMIPC_SPIN", SPIN, "SHMIPC_FILE_PREFIX", prefix), dir)) {
            final SessionConfig config = SessionConfig.builder().memoryType(type).filePrefix(prefix).futexWake(futex)
                .messageRings(rings).spinIterations(Integer.parseInt(SPIN)).build();
            final byte[] scratch = new byte[(8 << 20) + 16];
            try (Session session = Session.connect(socket, config)) {
                assertEquals(type == MemoryType.MEMFD ? 3 : 2, session.protocolVersion(), "protocol version");
                assertEquals(type, session.memoryType());
                assertEquals(rings && type == MemoryType.MEMFD, session.usesMessageRings(),
                    "message rings: over memfd when offered, never in file mode");
                if (type == MemoryType.FILE) {
                    assertEquals(2, Resources.filesWithPrefix(prefix).size(), "queue and buffer files under " + prefix);
                }
                final Stream warmUp = session.openStream();
                warmUp.readTimeout(Duration.ofSeconds(20));
                // After one round trip the server has advertised (or not) its futex capability.
                Echo.roundTrip(warmUp, Echo.payload(16, 1), scratch);
                warmUp.close();
                final SessionMetrics metrics = session.metrics();
                final long futexBefore = metrics.futexWakesSent();
                final long pollingBefore = metrics.pollingEventsSent();
                final long pollingReceivedBefore = metrics.pollingEventsReceived();

                int frames = 0;
                for (int round = 0; round < 2; round++) {
                    final Stream stream = session.openStream();
                    stream.readTimeout(Duration.ofSeconds(20));
                    for (int i = 0; i < SIZES.length; i++) {
                        final int size = SIZES[round == 0 ? i : SIZES.length - 1 - i];
                        // A pause lets both receive loops park, so the next message must wake the peer.
                        Thread.sleep(5);
                        Echo.roundTrip(stream, Echo.payload(size, size * 31L + round), scratch);
                        frames++;
                    }
                    stream.close();
                }

                assertEquals(futex, session.usesFutexWake(), "wake-up path agreed in the handshake");
                // Over memfd at once; in file mode once the receive thread, about to park, has seen the server's bits.
                final long taggedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!session.usesTaggedFreeLists() && System.nanoTime() - taggedBy < 0) {
                    Thread.sleep(10);
                }
                assertTrue(session.usesTaggedFreeLists(), "two shmipc-java peers: free-list heads tagged");
                final long futexWakes = metrics.futexWakesSent() - futexBefore;
                final long pollingSent = metrics.pollingEventsSent() - pollingBefore;
                final long pollingReceived = metrics.pollingEventsReceived() - pollingReceivedBefore;
                if (futex) {
                    assertTrue(futexWakes > 0, "futex wake-ups sent: " + metrics);
                    assertEquals(0, pollingSent, "no Polling event sent between two futex peers: " + metrics);
                    assertEquals(0, pollingReceived, "the server woke us with futexes only: " + metrics);
                } else {
                    assertEquals(0, metrics.futexWakesSent(), "no futex wake-up on the polling path: " + metrics);
                    assertTrue(pollingSent > 0, "Polling events sent: " + metrics);
                    assertTrue(pollingReceived > 0, "the server woke us with Polling events: " + metrics);
                }
                assertEquals(0, metrics.fallbackWrites(), "32 MiB region: no fallback needed: " + metrics);
                assertEquals(0, metrics.slicesHeld(), "every received slice released: " + metrics);
                Figures.report("echo " + type + (futex ? " futex" : " polling"), frames + " frames of "
                    + SIZES.length + " sizes intact; " + metrics.wakePath() + " wake-ups: futex " + futexWakes
                    + ", polling sent " + pollingSent + ", polling received " + pollingReceived + ", avoided "
                    + metrics.wakeUpsAvoided());
            }
            assertEquals(0, server.stop(), "echo server saw no corrupted frame" + server.describe());
            if (type == MemoryType.FILE) {
                assertEquals(java.util.List.of(), Resources.filesWithPrefix(prefix), "region files removed on close");
            }
        }
    }
}
