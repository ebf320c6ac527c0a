package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chronicle on both sides of a real session between two JVMs: this JVM encodes a few thousand requests of mixed
 * sizes with Chronicle straight into shared memory ({@code ChronicleReservation}), the peer decodes them with Chronicle
 * in place ({@code ChronicleView}), checks their CRC and answers with Chronicle-encoded replies, which this JVM
 * decodes and checks in turn. The largest requests are bigger than a slice and reach the peer spanning slices.
 */
class ChronicleAcrossProcessesTest {
    private static final int MESSAGES = 3_000;
    /** Requests sent before their replies are read, so that several are in flight in each direction. */
    private static final int WINDOW = 8;

    @TempDir
    Path dir;

    @Test
    void shouldCarryChronicleEncodedMessagesIntactBetweenTwoJvms() throws Exception {
        final Path socket = dir.resolve("chronicle.sock");
        try (PeerProcess peer = PeerProcess.start(ChroniclePeerMain.class, List.of(socket.toString()), Map.of(), dir)) {
            peer.awaitLine("READY", 30_000);
            final SplittableRandom random = new SplittableRandom(20261121);
            final int[] sizes = new int[MESSAGES];
            for (int i = 0; i < MESSAGES; i++) {
                sizes[i] = size(random);
            }
            long bytes = 0;
            int spanning = 0;
            try (Session session = Session.connect(socket, SessionConfig.defaults())) {
                final Stream stream = session.openStream();
                stream.readTimeout(Duration.ofSeconds(30));
                final ChronicleFrames frames = new ChronicleFrames(stream);
                final int maxReservation = stream.writer().maxReservation();
                final int[] length = new int[1];
                for (int first = 0; first < MESSAGES; first += WINDOW) {
                    final int last = Math.min(MESSAGES, first + WINDOW);
                    for (int id = first; id < last; id++) {
                        final byte[] payload = payload(id, sizes[id]);
                        final Bytes<?> out = frames.begin(ChronicleFrames.BODY_OVERHEAD + payload.length);
                        out.writeLong(id).writeUtf8("request " + id).writeStopBit(payload.length).write(payload);
                        out.writeLong(frames.crc(payload, payload.length));
                        frames.end();
                        bytes += payload.length;
                        spanning += ChronicleFrames.BODY_OVERHEAD + payload.length > maxReservation ? 1 : 0;
                    }
                    frames.flush();
                    for (int id = first; id < last; id++) {
                        final int bodyLength = frames.next();
                        assertTrue(bodyLength > 0, "reply " + id + " arrived" + peer.describe());
                        final Bytes<?> in = frames.body(bodyLength);
                        assertEquals(id, in.readLong(), "replies come in order");
                        final long peerCrc = in.readLong();
                        final byte[] echoed = frames.readPayload(in, length);
                        assertEquals(0, in.readRemaining(), "reply " + id + " ends where its encoding ended");
                        final byte[] expected = payload(id, sizes[id]);
                        assertEquals(frames.crc(expected, expected.length), peerCrc, "CRC the peer computed for " + id);
                        assertEquals(expected.length, length[0], "payload length of reply " + id);
                        assertArrayEquals(expected, Arrays.copyOf(echoed, length[0]), "payload of reply " + id);
                        frames.release(bodyLength);
                    }
                }
                stream.close();
                assertEquals(0, session.metrics().slicesHeld(), "every received slice released: " + session.metrics());
            }
            final int exit = peer.stop();
            assertEquals("DONE frames=" + MESSAGES + " corrupted=0", peer.awaitLine("DONE", 5_000),
                "the peer decoded every request intact" + peer.describe());
            assertEquals(0, exit, "peer exit code" + peer.describe());
            Figures.report("chronicle across processes", MESSAGES + " requests and replies intact, " + bytes
                + " payload bytes each way, " + spanning + " requests larger than a slice");
        }
    }

    /** Mostly small messages, some of tens of KiB, a few larger than the largest slice (128 KiB). */
    private static int size(final SplittableRandom random) {
        final int kind = random.nextInt(100);
        if (kind < 70) {
            return random.nextInt(1_024);
        }
        if (kind < 90) {
            return 1_024 + random.nextInt(31 << 10);
        }
        if (kind < 98) {
            return (32 << 10) + random.nextInt(90 << 10);
        }
        return (150 << 10) + random.nextInt(150 << 10);
    }

    private static byte[] payload(final long id, final int length) {
        final byte[] payload = new byte[length];
        new SplittableRandom(id * 0x9E3779B97F4A7C15L).nextBytes(payload);
        return payload;
    }
}
