package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.Stream;
import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.core.layout.QueueDescriptor;
import io.shmipc.core.queue.EventQueue;
import io.shmipc.core.region.SharedRegion;
import io.shmipc.nativeio.PeerClosedException;
import io.shmipc.nativeio.UnixSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_FILE;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_MEMFD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that give up at every step of the handshake (hang up, go silent, send garbage or regions the server must
 * refuse) cost a server in another JVM nothing: every accepted socket and every received memfd is closed again, and
 * the server goes on serving.
 */
class AbandonedHandshakeTest {
    /** Each way of giving up is repeated, so that a leak shows as this many descriptors, not one that could be noise. */
    private static final int ROUNDS = 20;
    /** The server's default handshake timeout (SessionConfig) and some slack for a loaded machine. */
    private static final long SILENT_CLIENT_HANG_UP_MILLIS = 5_000 + 10_000;
    private static final int REPLY_TIMEOUT_MILLIS = 10_000;
    private static final int QUEUE_CAPACITY = 16;
    private static final long BUFFER_BYTES = 64 << 10;
    private static final int MAX_EVENT = 1 << 20;
    /** The server acknowledges the memfds before it checks what they hold. */
    private static final int MAX_EVENTS_BEFORE_HANG_UP = 2;
    /** A header cut after 5 of its 8 bytes. */
    private static final int PARTIAL_HEADER = 5;

    @TempDir
    Path dir;

    /** Where a client gives up; each step runs against a freshly accepted connection and ends by closing it. */
    private enum GiveUp {
        /** Connects and hangs up at once. */
        BEFORE_FIRST_EVENT,
        /** Hangs up inside the first event's header. */
        INSIDE_FIRST_HEADER,
        /** Opens with an event that is no handshake. */
        WITH_A_NON_HANDSHAKE_EVENT,
        /** v3: hangs up after the version exchange. */
        AFTER_VERSION_EXCHANGE,
        /** v3: hangs up when asked for its memfds. */
        INSTEAD_OF_SENDING_FDS,
        /** v3: sends one memfd where two are due. */
        WITH_ONE_FD_OF_TWO,
        /** v3: sends two memfds the server must refuse (an empty queue region), then hangs up. */
        WITH_REGIONS_REFUSED,
        /** v3: completes the handshake and hangs up before reading the server's acknowledgement. */
        BEFORE_THE_ACKNOWLEDGEMENT,
        /** v2: names region files that do not exist. */
        WITH_MISSING_REGION_FILES
    }

    @Test
    void shouldCloseEverySocketAndMemfdOfClientsThatAbandonTheHandshake() throws Exception {
        final Path socket = dir.resolve("echo.sock");
        try (PeerProcess server = PeerProcess.echoServer(socket, Map.of(), dir)) {
            final long pid = server.pid();
            echoOnce(socket);
            final long listenerOnly = Resources.awaitAtMost(() -> Resources.sessionSocketFds(pid), 1, 5000);
            final String before = Resources.describeSockets(pid);

            // A client that says nothing at all is hung up on after the handshake timeout; it runs meanwhile.
            final UnixSocket silent = UnixSocket.connect(socket);
            final long silentSince = System.nanoTime();
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    for (final GiveUp step : GiveUp.values()) {
                        giveUp(socket, step);
                    }
                }
                assertTrue(silent.awaitReadable((int) SILENT_CLIENT_HANG_UP_MILLIS),
                    "the server hung up on a silent client within " + SILENT_CLIENT_HANG_UP_MILLIS + " ms");
                assertEquals(-1, silent.read(new byte[1], 0, 1), "the server sent nothing to a silent client");
                Figures.report("abandoned handshakes", String.format("server hung up on a silent client after "
                    + "%.0f ms", (System.nanoTime() - silentSince) / 1e6));
            } finally {
                silent.close();
            }

            final long socketsNow = Resources.awaitAtMost(() -> Resources.sessionSocketFds(pid), listenerOnly, 5000);
            assertTrue(socketsNow <= listenerOnly, "server sockets back to " + listenerOnly + ", now " + socketsNow
                + " after " + ROUNDS + " rounds of " + List.of(GiveUp.values()) + "\nnow:"
                + Resources.describeSockets(pid) + "\nbefore:" + before + server.describe());
            assertEquals(0, Resources.awaitAtMost(() -> Resources.fdsContaining(pid, "memfd:"), 0, 5000),
                "no memfd open in the server: " + Resources.fdTargets(pid));
            assertEquals(0, Resources.awaitAtMost(() -> Resources.mappingsContaining(pid, "memfd:abandoned"), 0,
                5000), "no mapping of a refused region in the server");
            echoOnce(socket);
            assertTrue(server.describe().contains("refused a ShmIPC client"), "the server logged its refusals"
                + server.describe());
            assertEquals(0, server.stop(), "echo server saw no corrupted frame" + server.describe());
        }
    }

    private static void echoOnce(final Path socket) throws Exception {
        final SessionConfig config = SessionConfig.builder().memoryType(MemoryType.MEMFD).build();
        try (Session session = Session.connect(socket, config)) {
            final Stream stream = session.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(stream, Echo.payload(64, 1), new byte[256]);
            stream.close();
        }
    }

    private static void giveUp(final Path path, final GiveUp step) throws Exception {
        final UnixSocket socket = UnixSocket.connect(path);
        final List<SharedRegion> regions = new ArrayList<>();
        try {
            final ControlChannel control = new ControlChannel(socket, MAX_EVENT);
            switch (step) {
                case BEFORE_FIRST_EVENT -> {
                    // nothing
                }
                case INSIDE_FIRST_HEADER -> {
                    final byte[] version = ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, VERSION_MEMFD);
                    socket.writeFully(version, 0, PARTIAL_HEADER);
                }
                case WITH_A_NON_HANDSHAKE_EVENT -> control.send(ControlEvent.empty(EventType.POLLING, VERSION_MEMFD));
                case AFTER_VERSION_EXCHANGE -> exchangeVersions(control);
                case INSTEAD_OF_SENDING_FDS -> offerMemfds(control, "abandoned_q", "abandoned_b");
                case WITH_ONE_FD_OF_TWO -> {
                    final SharedRegion buffer = memfd(regions, "abandoned_one", BUFFER_BYTES);
                    offerMemfds(control, "abandoned_one", "abandoned_one");
                    control.sendFds(new int[] {buffer.fd()});
                }
                case WITH_REGIONS_REFUSED -> {
                    final SharedRegion queue = memfd(regions, "abandoned_empty_queue", Integer.BYTES);
                    final SharedRegion buffer = memfd(regions, "abandoned_buffer", BUFFER_BYTES);
                    offerMemfds(control, queue.name(), buffer.name());
                    control.sendFds(new int[] {buffer.fd(), queue.fd()});
                    awaitHangUp(control, step);
                }
                case BEFORE_THE_ACKNOWLEDGEMENT -> {
                    final SharedRegion queue = memfd(regions, "abandoned_queue",
                        QueueDescriptor.regionLength(QUEUE_CAPACITY));
                    final SharedRegion buffer = memfd(regions, "abandoned_buffer", BUFFER_BYTES);
                    EventQueue.format(queue.buffer(), 0, QUEUE_CAPACITY);
                    EventQueue.format(queue.buffer(), (int) QueueDescriptor.ringLength(QUEUE_CAPACITY),
                        QUEUE_CAPACITY);
                    BufferPool.format(buffer.buffer(), new SliceClass(4084, 100));
                    offerMemfds(control, queue.name(), buffer.name());
                    control.sendFds(new int[] {buffer.fd(), queue.fd()});
                }
                case WITH_MISSING_REGION_FILES -> {
                    control.version(VERSION_FILE);
                    control.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_FILE_PATH, VERSION_FILE,
                        "/dev/shm/shmipc-it-abandoned-missing_queue", "/dev/shm/shmipc-it-abandoned-missing_buffer"));
                    awaitHangUp(control, step);
                }
                default -> throw new IllegalStateException("unknown step " + step);
            }
        } finally {
            socket.close();
            regions.forEach(SharedRegion::release);
        }
    }

    private static void exchangeVersions(final ControlChannel control) throws Exception {
        control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, VERSION_MEMFD));
        expect(control, EventType.EXCHANGE_PROTO_VERSION);
        control.version(VERSION_MEMFD);
    }

    private static void offerMemfds(final ControlChannel control, final String queue, final String buffer)
        throws Exception {
        exchangeVersions(control);
        control.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_MEMFD, VERSION_MEMFD, queue, buffer));
        expect(control, EventType.ACK_READY_RECV_FD);
    }

    private static SharedRegion memfd(final List<SharedRegion> regions, final String name, final long length)
        throws Exception {
        final SharedRegion region = SharedRegion.createMemfd(name, length);
        regions.add(region);
        return region;
    }

    /** A server that refuses a client hangs up on it (whatever it sent before that). */
    private static void awaitHangUp(final ControlChannel control, final GiveUp step) throws Exception {
        try {
            for (int event = 0; event < MAX_EVENTS_BEFORE_HANG_UP; event++) {
                if (control.receive(REPLY_TIMEOUT_MILLIS) == null) {
                    return;
                }
            }
        } catch (final ShmTimeoutException e) {
            throw new AssertionError("the server did not hang up on a client " + step + " within "
                + REPLY_TIMEOUT_MILLIS + " ms", e);
        } catch (final PeerClosedException e) {
            return;
        }
        throw new AssertionError("the server kept talking to a client " + step);
    }

    private static void expect(final ControlChannel control, final EventType type) throws Exception {
        final ControlEvent event = control.receive(REPLY_TIMEOUT_MILLIS);
        if (event == null || event.type() != type) {
            throw new AssertionError("expected " + type + " from the server, got " + event);
        }
    }
}
