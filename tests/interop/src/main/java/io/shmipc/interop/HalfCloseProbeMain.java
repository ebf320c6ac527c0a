package io.shmipc.interop;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoFrame;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Checks that a shmipc-java client never sends a half-close to a reference peer:
 * {@code -socket PATH -mem memfd|file [-path-prefix P]} against an echo server (the Go echo-server). On one stream
 * it echoes a frame, calls {@link Stream#shutdownOutput()}, which must refuse with {@link
 * UnsupportedOperationException} and send nothing, echoes two more frames on the same stream and closes it the
 * ordinary way, then echoes on a second stream. Prints {@code {"half_close_supported":..,"shutdown_refused":..,
 * "echoes":..,"reason":".."}} and exits 0 only if all of that held.
 */
public final class HalfCloseProbeMain {
    private static final int FRAME_BYTES = 5000;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    private HalfCloseProbeMain() {
    }

    public static void main(final String[] args) throws Exception {
        Path socket = null;
        final SessionConfig.Builder config = SessionConfig.builder();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-socket" -> socket = Path.of(args[++i]);
                case "-mem" -> config.memoryType("file".equals(args[++i]) ? MemoryType.FILE : MemoryType.MEMFD);
                case "-path-prefix" -> config.filePrefix(args[++i]);
                default -> {
                    System.err.println("half-close probe: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (socket == null) {
            System.err.println("half-close probe: -socket is required");
            System.exit(2);
        }
        int echoes = 0;
        boolean refused = false;
        String reason = "";
        final boolean supported;
        try (Session session = Session.connect(socket, config.build())) {
            final Stream stream = session.openStream();
            stream.readTimeout(READ_TIMEOUT);
            echoes += echo(stream, 1);
            try {
                stream.shutdownOutput();
            } catch (final UnsupportedOperationException e) {
                refused = true;
                reason = e.getMessage();
            }
            supported = session.supportsHalfClose();
            echoes += echo(stream, 2);
            echoes += echo(stream, 3);
            stream.close();
            final Stream second = session.openStream();
            second.readTimeout(READ_TIMEOUT);
            echoes += echo(second, 4);
            second.close();
        }
        System.out.println("{\"half_close_supported\":" + supported + ",\"shutdown_refused\":" + refused
            + ",\"echoes\":" + echoes + ",\"reason\":\"" + reason.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\"}");
        final boolean ok = !supported && refused && reason.contains("has no half-close") && echoes == 4;
        System.exit(ok ? 0 : 1);
    }

    /** One frame there and back, checked byte for byte; returns 1. */
    private static int echo(final Stream stream, final long seed) throws Exception {
        final byte[] payload = new byte[FRAME_BYTES];
        EchoFrame.fill(payload, seed);
        EchoFrame.send(stream, payload, payload.length);
        final byte[] back = new byte[FRAME_BYTES];
        final int length = EchoFrame.receive(stream, back);
        if (length != FRAME_BYTES || !Arrays.equals(payload, back)) {
            throw new IllegalStateException("echo of frame " + seed + " differs from what was sent");
        }
        return 1;
    }
}
