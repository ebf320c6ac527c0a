package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The client process of {@link HalfCloseAcrossProcessesTest}, configured by the SHMIPC_* environment:
 * {@code <socket> <messages>} connects, sends that many messages ({@link #size(int)} bytes of
 * {@link Echo#payload(int, long)} each) on one stream, shuts its output, reads the server's answer to the end and
 * prints {@code REPLY <answer>}, then {@code REFUSED} once a write after the shutdown failed as it must and
 * {@code STREAMS <n>} with the streams its session still holds (within 5 s). Exits 0 after closing everything.
 */
public final class HalfClosePeerMain {
    private static final long STREAMS_SETTLE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private HalfClosePeerMain() {
    }

    /** Message sizes: mostly small, every 25th a chain of several slices. */
    static int size(final int message) {
        return message % 25 == 24 ? 300_000 : 1 + message * 53 % 4000;
    }

    public static void main(final String[] args) throws Exception {
        final Path socket = Path.of(args[0]);
        final int messages = Integer.parseInt(args[1]);
        try (Session session = Session.connect(socket, SessionConfig.fromEnvironment())) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(30));
            for (int i = 0; i < messages; i++) {
                final byte[] payload = Echo.payload(size(i), i);
                stream.write(payload, 0, payload.length);
            }
            stream.shutdownOutput();
            final ByteArrayOutputStream reply = new ByteArrayOutputStream();
            final byte[] buffer = new byte[4096];
            int n;
            while ((n = stream.read(buffer, 0, buffer.length)) >= 0) {
                reply.write(buffer, 0, n);
            }
            System.out.println("REPLY " + reply.toString(StandardCharsets.US_ASCII));
            try {
                stream.write(buffer, 0, 1);
                System.out.println("ACCEPTED a write after shutdownOutput");
            } catch (final StreamClosedException e) {
                System.out.println("REFUSED " + e.getMessage());
            }
            // The session's draining thread marks the peer's end (which ended our read) just before it takes the
            // stream out of the session: give it a moment (bounded) rather than catch it in between.
            final long deadline = System.nanoTime() + STREAMS_SETTLE_NANOS;
            while (session.activeStreams() > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
            }
            System.out.println("STREAMS " + session.activeStreams());
            System.out.flush();
            stream.close();
        }
    }
}
