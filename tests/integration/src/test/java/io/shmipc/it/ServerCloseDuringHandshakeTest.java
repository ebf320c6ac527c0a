package io.shmipc.it;

import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmServer;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.nativeio.UnixSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_MEMFD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server that closes hangs up on clients stalled in their handshake at once, rather than holding their sockets
 * until the handshake timeout.
 */
class ServerCloseDuringHandshakeTest {
    /** Far longer than the test waits: a hang-up within the test's wait is the close's doing, not the timeout's. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(120);
    private static final int HANG_UP_WAIT_MILLIS = 10_000;
    private static final long ACCEPT_WAIT_MILLIS = 10_000;
    private static final long SOCKET_CLOSE_WAIT_MILLIS = 5_000;
    /** Sockets the server holds on its path with both clients accepted. */
    private static final long LISTENER_AND_TWO_ACCEPTED = 3;
    private static final int MAX_EVENT = 1 << 10;

    @TempDir
    Path dir;

    @Test
    void shouldHangUpOnClientsStalledInTheirHandshakeWhenTheServerCloses() throws Exception {
        final long self = Resources.self();
        final Path path = dir.resolve("server.sock");
        final ShmServer server = ShmServer.start(path, SessionConfig.builder().handshakeTimeout(HANDSHAKE_TIMEOUT)
            .build(), stream -> stream.close());
        final UnixSocket silent = UnixSocket.connect(path);
        final UnixSocket afterVersion = UnixSocket.connect(path);
        try {
            final ControlChannel control = new ControlChannel(afterVersion, MAX_EVENT);
            control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, VERSION_MEMFD));
            assertNotNull(control.receive(HANG_UP_WAIT_MILLIS), "the server answered the version exchange");
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_WAIT_MILLIS);
            while (Resources.socketFdsOn(self, path) < LISTENER_AND_TWO_ACCEPTED && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(LISTENER_AND_TWO_ACCEPTED, Resources.socketFdsOn(self, path), "both clients accepted"
                + Resources.describeSockets(self));

            server.close();

            for (final UnixSocket client : new UnixSocket[] {silent, afterVersion}) {
                assertTrue(client.awaitReadable(HANG_UP_WAIT_MILLIS), "a closed server hung up on a client stalled "
                    + "in its handshake within " + HANG_UP_WAIT_MILLIS + " ms (handshake timeout " + HANDSHAKE_TIMEOUT
                    + ")");
                assertEquals(-1, client.read(new byte[1], 0, 1), "end of stream, nothing else");
            }
            // The hang-up is at once; the descriptor itself goes when the handshake thread blocked on it leaves.
            assertEquals(0, Resources.awaitAtMost(() -> Resources.socketFdsOn(self, path), 0, SOCKET_CLOSE_WAIT_MILLIS),
                "the closed server holds no socket" + Resources.describeSockets(self));
        } finally {
            silent.close();
            afterVersion.close();
            server.close();
        }
    }
}
