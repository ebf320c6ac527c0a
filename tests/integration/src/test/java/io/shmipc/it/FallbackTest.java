package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionMetrics;
import io.shmipc.core.Stream;
import io.shmipc.core.buffer.SliceClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A buffer region far too small for the messages (64 KiB, one class of 4 KiB slices) still carries 1 MB and 4 MB
 * payloads intact: they go inline on the control connection (FallbackData), the metrics say so, and nothing is lost.
 */
class FallbackTest {
    private static final long TINY_REGION = 64 << 10;
    private static final SliceClass ONE_CLASS = new SliceClass(4076, 100);
    /** Per stream: big payloads that cannot fit, mixed with small ones that could, to check order is kept. */
    private static final int[] SIZES = {64, 1 << 20, 100, 4 << 20, 4000, 1 << 20, 0, 8000};
    private static final int STREAMS = 3;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverMegabytePayloadsIntactThroughATinyRegionByFallback() throws Exception {
        final Path socket = dir.resolve("echo.sock");
        try (PeerProcess server = PeerProcess.echoServer(socket, Map.of(), dir)) {
            final SessionConfig config = SessionConfig.builder().bufferCapacity(TINY_REGION).sliceClasses(ONE_CLASS)
                .build();
            final ExecutorService threads = Executors.newFixedThreadPool(STREAMS);
            try (Session session = Session.connect(socket, config)) {
                final List<Future<Integer>> results = new ArrayList<>();
                for (int s = 0; s < STREAMS; s++) {
                    final int index = s;
                    results.add(threads.submit(() -> {
                        final Stream stream = session.openStream();
                        stream.readTimeout(Duration.ofSeconds(30));
                        final byte[] scratch = new byte[(4 << 20) + 16];
                        for (int i = 0; i < SIZES.length; i++) {
                            Echo.roundTrip(stream, Echo.payload(SIZES[i], index * 100L + i), scratch);
                        }
                        stream.close();
                        return SIZES.length;
                    }));
                }
                int frames = 0;
                for (final Future<Integer> result : results) {
                    frames += result.get(60, TimeUnit.SECONDS);
                }
                assertEquals(STREAMS * SIZES.length, frames);

                final SessionMetrics metrics = session.metrics();
                assertTrue(metrics.allocationFailures() > 0, "the region ran out: " + metrics);
                assertTrue(metrics.fallbackWrites() > 0, "we wrote inline FallbackData: " + metrics);
                assertTrue(metrics.fallbackReads() > 0, "the server answered inline too: " + metrics);
                assertEquals(metrics.bytesSent(), metrics.bytesReceived(),
                    "every byte sent came back, none twice: " + metrics);
                assertEquals(0, metrics.slicesHeld(), "no received slice left unreleased: " + metrics);
                Figures.report("fallback through a 64 KiB region", frames + " frames (1 MB and 4 MB among them) "
                    + "intact; fallback writes " + metrics.fallbackWrites() + " (" + metrics.fallbackBytesSent()
                    + " B), fallback reads " + metrics.fallbackReads() + ", allocation failures "
                    + metrics.allocationFailures());
            } finally {
                threads.shutdownNow();
            }
            assertEquals(0, server.stop(), "echo server saw no corrupted frame" + server.describe());
        }
    }
}
