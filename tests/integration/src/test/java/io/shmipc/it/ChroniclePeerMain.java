package io.shmipc.it;

import io.shmipc.core.SessionClosedException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;
import net.openhft.chronicle.bytes.Bytes;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peer of {@link ChronicleAcrossProcessesTest}: {@code ChroniclePeerMain <socket>} serves streams whose requests
 * it decodes with Chronicle views, checks their CRC, and answers each with a Chronicle-encoded reply carrying the
 * CRC it computed and the payload. Prints {@code READY}, and on stdin EOF {@code DONE frames=N corrupted=M}; exits 0
 * only if no request was corrupted.
 */
public final class ChroniclePeerMain {
    private static final AtomicLong FRAMES = new AtomicLong();
    private static final AtomicLong CORRUPTED = new AtomicLong();

    private ChroniclePeerMain() {
    }

    public static void main(final String[] args) throws Exception {
        final ShmServer server = ShmServer.start(Path.of(args[0]), SessionConfig.fromEnvironment(),
            ChroniclePeerMain::serve);
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent closes our stdin to stop us
        }
        server.close();
        System.out.println("DONE frames=" + FRAMES.get() + " corrupted=" + CORRUPTED.get());
        System.out.flush();
        Runtime.getRuntime().halt(CORRUPTED.get() == 0 ? 0 : 1);
    }

    private static void serve(final Stream stream) {
        final ChronicleFrames frames = new ChronicleFrames(stream);
        final int[] length = new int[1];
        try {
            int bodyLength;
            while ((bodyLength = frames.next()) >= 0) {
                final Bytes<?> in = frames.body(bodyLength);
                final long id = in.readLong();
                final String label = in.readUtf8();
                final byte[] payload = frames.readPayload(in, length);
                final long sentCrc = in.readLong();
                final long crc = frames.crc(payload, length[0]);
                final boolean intact = crc == sentCrc && ("request " + id).equals(label) && in.readRemaining() == 0;
                frames.release(bodyLength);
                FRAMES.incrementAndGet();
                if (!intact) {
                    CORRUPTED.incrementAndGet();
                    System.err.println("corrupted request " + id + ": label '" + label + "', crc " + crc + " sent "
                        + sentCrc);
                }
                final Bytes<?> out = frames.begin(ChronicleFrames.BODY_OVERHEAD + length[0]);
                out.writeLong(id).writeLong(crc).writeStopBit(length[0]).write(payload, 0, length[0]);
                frames.end();
                frames.flush();
            }
        } catch (final StreamClosedException | SessionClosedException ended) {
            // the client went away
        } catch (final ShmIpcException e) {
            System.err.println("peer stream failed: " + e);
            CORRUPTED.incrementAndGet();
        }
    }
}
