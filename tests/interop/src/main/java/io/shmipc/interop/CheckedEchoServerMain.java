package io.shmipc.interop;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;
import io.shmipc.core.StreamReader;
import io.shmipc.demo.EchoFrame;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java echo server of the interop suite's checks that the demo's echo server does not make, with the Go
 * echo-server's contract: {@code CheckedEchoServerMain -socket PATH [-close-after N] [-expect-polling]}. Prints
 * {@code READY}, echoes every frame, and on SIGTERM prints one JSON summary line and exits 0 only if no frame was
 * corrupted and every check asked for held.
 *
 * <ul>
 *   <li>Stream ends, as the Go server reports them: a stream the client closed must deliver its frames whole and
 *       then the end ({@code peer_closed_streams}, {@code frames_before_peer_close}); with {@code -close-after N}
 *       the server closes each stream after N echoes ({@code closed_by_server}), and a write tried after the
 *       client's close must be refused ({@code writes_after_peer_close_refused}, {@code ..._accepted}).</li>
 *   <li>Wake-ups with a Go client: {@code -expect-polling} fails the run if any session used futex wake-ups (the
 *       shmipc-java-only path) or no Polling event was sent.</li>
 * </ul>
 */
public final class CheckedEchoServerMain {
    private final int closeAfter;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Set<Session> futexSessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong streams = new AtomicLong();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong crcErrors = new AtomicLong();
    private final AtomicLong truncatedFrames = new AtomicLong();
    private final AtomicLong streamErrors = new AtomicLong();
    private final AtomicLong peerClosedStreams = new AtomicLong();
    private final AtomicLong framesBeforePeerClose = new AtomicLong();
    private final AtomicLong writesRefused = new AtomicLong();
    private final AtomicLong writesAccepted = new AtomicLong();
    private final AtomicLong closedByServer = new AtomicLong();

    private CheckedEchoServerMain(final int closeAfter) {
        this.closeAfter = closeAfter;
    }

    public static void main(final String[] args) throws Exception {
        Path socket = null;
        int closeAfter = 0;
        boolean expectPolling = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-socket" -> socket = Path.of(args[++i]);
                case "-close-after" -> closeAfter = Integer.parseInt(args[++i]);
                case "-expect-polling" -> expectPolling = true;
                default -> {
                    System.err.println("checked echo server: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (socket == null) {
            System.err.println("checked echo server: -socket is required");
            System.exit(2);
        }
        final CheckedEchoServerMain echo = new CheckedEchoServerMain(closeAfter);
        final ShmServer server;
        try {
            server = ShmServer.start(socket, SessionConfig.fromEnvironment(), echo::serve);
        } catch (final ShmIpcException e) {
            System.err.println("checked echo server: " + e.getMessage());
            System.exit(1);
            return;
        }
        final boolean checkPolling = expectPolling;
        final Thread finish = new Thread(() -> {
            for (final Session session : echo.sessions) {
                echo.noteWakePath(session);
            }
            server.close();
            final String problem = echo.problem(checkPolling);
            if (problem != null) {
                System.err.println("checked echo server: " + problem);
            }
            System.out.println(echo.summary());
            System.out.flush();
            Runtime.getRuntime().halt(problem == null ? 0 : 1);
        }, "checked-echo-server-exit");
        Runtime.getRuntime().addShutdownHook(finish);
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private void serve(final Stream stream) {
        sessions.add(stream.session());
        noteWakePath(stream.session());
        streams.incrementAndGet();
        final StreamReader reader = stream.reader();
        byte[] payload = new byte[64 << 10];
        int framesRead = 0;
        int echoed = 0;
        try {
            while (true) {
                if (!reader.await(EchoFrame.HEADER_LENGTH, 0)) {
                    if (reader.available() != 0) {
                        truncatedFrames.incrementAndGet();
                        break;
                    }
                    peerClosedStreams.incrementAndGet();
                    framesBeforePeerClose.addAndGet(framesRead);
                    if (closeAfter > 0) {
                        tryWriteAfterPeerClose(stream);
                    }
                    break;
                }
                final DirectBuffer header = reader.view(EchoFrame.HEADER_LENGTH);
                final int length = header.getInt(EchoFrame.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
                final int crc = header.getInt(EchoFrame.CRC_OFFSET, ByteOrder.BIG_ENDIAN);
                reader.release(EchoFrame.HEADER_LENGTH);
                if (length < 0 || length > EchoFrame.MAX_PAYLOAD) {
                    streamErrors.incrementAndGet();
                    System.err.println("checked echo server: stream " + stream.id() + ": frame announces "
                        + Integer.toUnsignedString(length) + " bytes; closing the stream");
                    break;
                }
                if (payload.length < length) {
                    payload = new byte[length];
                }
                try {
                    reader.readFully(payload, 0, length);
                } catch (final StreamClosedException e) {
                    truncatedFrames.incrementAndGet();
                    System.err.println("checked echo server: stream " + stream.id() + ": " + e.getMessage());
                    break;
                }
                framesRead++;
                final int actual = EchoFrame.crc32(payload, 0, length);
                if (actual != crc) {
                    crcErrors.incrementAndGet();
                    System.err.printf("checked echo server: stream %d: CRC mismatch on a %d-byte frame: header says "
                        + "%08x, payload has %08x%n", stream.id(), length, crc, actual);
                }
                try {
                    echo(stream, payload, length, crc);
                } catch (final StreamClosedException e) {
                    if (closeAfter > 0 && stream.isRemoteClosed()) {
                        continue; // the client closed the stream while we answered: the next read sees the end
                    }
                    throw e;
                }
                frames.incrementAndGet();
                if (closeAfter > 0 && ++echoed == closeAfter) {
                    closedByServer.incrementAndGet();
                    break;
                }
            }
        } catch (final ShmIpcException e) {
            if (!stream.session().isClosed()) {
                streamErrors.incrementAndGet();
                System.err.println("checked echo server: stream " + stream.id() + ": " + e.getMessage());
            }
        } finally {
            stream.close();
        }
    }

    /** Sends the frame back as it came, with the CRC it arrived with (so a client sees a corruption as such). */
    private static void echo(final Stream stream, final byte[] payload, final int length, final int crc)
        throws ShmIpcException {
        final MutableDirectBuffer out = stream.writer().reserve(EchoFrame.HEADER_LENGTH);
        out.putInt(EchoFrame.LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        out.putInt(EchoFrame.CRC_OFFSET, crc, ByteOrder.BIG_ENDIAN);
        stream.writer().write(payload, 0, length);
        stream.writer().flush();
    }

    /** A write on a stream whose end was read (the client closed it) must be refused. */
    private void tryWriteAfterPeerClose(final Stream stream) {
        try {
            EchoFrame.send(stream, new byte[0], 0);
            writesAccepted.incrementAndGet();
            System.err.println("checked echo server: stream " + stream.id()
                + ": a write after the client closed the stream was accepted");
        } catch (final ShmIpcException e) {
            writesRefused.incrementAndGet();
        }
    }

    private void noteWakePath(final Session session) {
        if (!session.isClosed() && session.usesFutexWake()) {
            futexSessions.add(session);
        }
    }

    private String problem(final boolean checkPolling) {
        if (crcErrors.get() > 0) {
            return crcErrors.get() + " frames arrived corrupted";
        }
        if (!checkPolling) {
            return null;
        }
        long futexWakes = 0;
        long polling = 0;
        for (final Session session : sessions) {
            futexWakes += session.metrics().futexWakesSent();
            polling += session.metrics().pollingEventsSent();
        }
        if (!futexSessions.isEmpty() || futexWakes > 0) {
            return futexSessions.size() + " sessions with a Go client reported futex wake-ups on, " + futexWakes
                + " futex wakes sent";
        }
        if (polling == 0) {
            return "no Polling event was sent: the Go client was never woken";
        }
        return null;
    }

    private String summary() {
        long futexWakes = 0;
        long pollingSent = 0;
        long pollingReceived = 0;
        for (final Session session : sessions) {
            futexWakes += session.metrics().futexWakesSent();
            pollingSent += session.metrics().pollingEventsSent();
            pollingReceived += session.metrics().pollingEventsReceived();
        }
        return "{\"streams\":" + streams.get() + ",\"frames\":" + frames.get() + ",\"crc_errors\":" + crcErrors.get()
            + ",\"truncated_frames\":" + truncatedFrames.get() + ",\"stream_errors\":" + streamErrors.get()
            + ",\"peer_closed_streams\":" + peerClosedStreams.get()
            + ",\"frames_before_peer_close\":" + framesBeforePeerClose.get()
            + ",\"writes_after_peer_close_refused\":" + writesRefused.get()
            + ",\"writes_after_peer_close_accepted\":" + writesAccepted.get()
            + ",\"closed_by_server\":" + closedByServer.get() + ",\"sessions\":" + sessions.size()
            + ",\"futex_wake_sessions\":" + futexSessions.size() + ",\"futex_wakes_sent\":" + futexWakes
            + ",\"polling_sent\":" + pollingSent + ",\"polling_received\":" + pollingReceived + "}";
    }
}
