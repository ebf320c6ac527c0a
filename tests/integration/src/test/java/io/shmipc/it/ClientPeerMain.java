package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoFrame;
import org.agrona.MutableDirectBuffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A well-behaved echo client process for the tests, configured by the SHMIPC_* environment. It prints
 * {@code STARTED}, waits for a {@code GO} line on stdin (so a test can take its baselines while this JVM exists but
 * has no session yet), connects, and then per mode:
 * <ul>
 *   <li>{@code mid-stream <socket> <streams>}: echoes one frame per stream, then on every stream sends the first
 *   {@value #PARTIAL_BYTES} bytes of a frame announcing {@value #ANNOUNCED_BYTES}, prints {@code MID}, and waits
 *   (the server is left waiting for the rest when this process is killed);</li>
 *   <li>{@code hold <socket>}: echoes one frame, prints {@code CONNECTED}, then echoes one more frame for every
 *   {@code ECHO} line on stdin (printing {@code ECHOED}) until stdin ends, closes the session and exits 0;</li>
 *   <li>{@code send-and-close <socket> <frames>}: sends that many frames on one stream without reading, closes the
 *   stream and the session at once, prints {@code SENT <frames>} and exits;</li>
 *   <li>{@code send-wait-close <socket>}: writes {@value #BUFFERED_BYTES} raw bytes on one stream, prints
 *   {@code SENT}, closes the session on a {@code CLOSE} line, prints {@code CLOSED} and waits for stdin to end.</li>
 * </ul>
 */
public final class ClientPeerMain {
    static final int ANNOUNCED_BYTES = 1 << 20;
    static final int PARTIAL_BYTES = 100 << 10;
    static final int BUFFERED_BYTES = 100_000;
    static final long BUFFERED_SEED = 42;

    private ClientPeerMain() {
    }

    /** Frame sizes of the send-and-close mode: mostly small, every 10th a multi-slice chain. */
    static int sendAndCloseSize(final int frame) {
        return frame % 10 == 9 ? 200_000 : 100 + frame * 37 % 5000;
    }

    public static void main(final String[] args) throws Exception {
        final String mode = args[0];
        final Path socket = Path.of(args[1]);
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("STARTED");
        System.out.flush();
        String go;
        while ((go = stdin.readLine()) != null && !"GO".equals(go.trim())) {
            // not yet
        }
        if (go == null) {
            return;
        }
        final Session session = Session.connect(socket, SessionConfig.fromEnvironment());
        final byte[] scratch = new byte[64 << 10];
        if ("mid-stream".equals(mode)) {
            final List<Stream> streams = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                final Stream stream = session.openStream();
                stream.readTimeout(Duration.ofSeconds(10));
                Echo.roundTrip(stream, Echo.payload(1000, i), scratch);
                streams.add(stream);
            }
            final byte[] partial = Echo.payload(PARTIAL_BYTES, 7);
            for (final Stream stream : streams) {
                final MutableDirectBuffer header = stream.writer().reserve(EchoFrame.HEADER_LENGTH);
                header.putInt(EchoFrame.LENGTH_OFFSET, ANNOUNCED_BYTES, ByteOrder.BIG_ENDIAN);
                header.putInt(EchoFrame.CRC_OFFSET, 0, ByteOrder.BIG_ENDIAN);
                stream.writer().write(partial, 0, partial.length);
                stream.writer().flush();
            }
            System.out.println("MID " + session.peerPid());
            System.out.flush();
            while (stdin.readLine() != null) {
                // wait to be killed
            }
        } else if ("hold".equals(mode)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(stream, Echo.payload(1000, 1), scratch);
            System.out.println("CONNECTED");
            System.out.flush();
            String line;
            int echoes = 0;
            while ((line = stdin.readLine()) != null) {
                if ("ECHO".equals(line.trim())) {
                    Echo.roundTrip(stream, Echo.payload(5000, ++echoes), scratch);
                    System.out.println("ECHOED " + echoes);
                    System.out.flush();
                }
            }
            stream.close();
        } else if ("send-and-close".equals(mode)) {
            // Everything flushed before close must arrive, like bytes written to a socket before close(2).
            final int frames = Integer.parseInt(args[2]);
            final Stream stream = session.openStream();
            for (int i = 0; i < frames; i++) {
                final byte[] payload = Echo.payload(sendAndCloseSize(i), i);
                EchoFrame.send(stream, payload, payload.length);
            }
            stream.close();
            session.close();
            System.out.println("SENT " + frames);
            System.out.flush();
        } else if ("send-wait-close".equals(mode)) {
            final Stream stream = session.openStream();
            final byte[] payload = Echo.payload(BUFFERED_BYTES, BUFFERED_SEED);
            stream.write(payload, 0, payload.length);
            System.out.println("SENT");
            System.out.flush();
            String line;
            while ((line = stdin.readLine()) != null && !"CLOSE".equals(line.trim())) {
                // wait for the server to have it all buffered
            }
            session.close();
            System.out.println("CLOSED");
            System.out.flush();
            while (stdin.readLine() != null) {
                // stay alive: this is a clean close, not a death
            }
        } else {
            throw new IllegalArgumentException("unknown mode " + mode);
        }
        session.close();
        System.exit(0);
    }
}
