package io.shmipc.core.control;

import io.shmipc.core.Hex;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.nativeio.UnixSocket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlEventTest {
    @TempDir
    Path dir;

    private static String hex(final byte[] bytes) {
        return Hex.of(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    @Test
    void shouldEncodeEventsAsTheReferenceDoes() {
        assertEquals(Hex.compact("00000008 | 7758 | 03 | 01"), hex(ControlEvent.empty(EventType.POLLING, 3)));
        assertEquals(Hex.compact("00000008 | 7758 | 03 | 04"),
            hex(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, 3)));
        assertEquals(Hex.compact("0000000c | 7758 | 02 | 02 | 00000007"), hex(ControlEvent.streamClose(2, 7)));
        assertEquals(Hex.compact("00000010 | 7758 | 03 | 08 | 0000000000000005"),
            hex(ControlEvent.epochEvent(EventType.HOT_RESTART, 3, 5)));
        assertEquals(Hex.compact("00000010 | 7758 | 02 | 00 | 0002 | 7171 | 0002 | 6262"),
            hex(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_FILE_PATH, 2, "qq", "bb")));
        final byte[] fallback = new byte[16];
        ControlEvent.fallbackDataHeader(new UnsafeBuffer(fallback), 3, 9, 0, 100);
        assertEquals(Hex.compact("00000074 | 7758 | 03 | 03 | 00000009 | 00000000"), hex(fallback));
    }

    @Test
    void shouldDecodeWhatItEncodesOverARealSocket() throws Exception {
        try (Pair pair = new Pair(dir)) {
            pair.client.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_MEMFD, 3, "queue-label", "buffer-label"));
            final ControlEvent event = pair.server.receive(1000);
            assertEquals(EventType.SHARE_MEMORY_BY_MEMFD, event.type());
            assertEquals(3, event.version());
            assertArrayEquals(new String[] {"queue-label", "buffer-label"}, event.sharedMemoryNames());
            pair.client.send(ControlEvent.streamClose(3, 42));
            assertEquals(42, pair.server.receive(1000).bodyInt(0));
            pair.client.close();
            assertNull(pair.server.receive(1000), "clean end of stream between events");
        }
    }

    @Test
    void shouldRejectBadHeadersBeforeTrustingTheLength() throws Exception {
        assertRejected(new byte[] {0, 0, 0, 8, 0x77, 0x59, 3, 1}, "magic");
        assertRejected(new byte[] {0, 0, 0, 8, 0x77, 0x58, 0, 1}, "version 0");
        assertRejected(new byte[] {0, 0, 0, 8, 0x77, 0x58, 3, 10}, "unknown type 10");
        assertRejected(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x77, 0x58, 3, 3}, "2147483647 bytes");
        assertRejected(new byte[] {0, 0, 0, 4, 0x77, 0x58, 3, 1}, "4 bytes");
    }

    @Test
    void shouldRejectTruncatedBodies() throws Exception {
        try (Pair pair = new Pair(dir)) {
            pair.client.send(new byte[] {0, 0, 0, 9, 0x77, 0x58, 3, 0, 0});
            final ControlEvent event = pair.server.receive(1000);
            final ProtocolViolationException e = assertThrows(ProtocolViolationException.class, event::sharedMemoryNames);
            assertTrue(e.getMessage().contains("needs 2"), e.getMessage());
        }
    }

    @Test
    void shouldTimeOutWhenNoEventArrives() throws Exception {
        try (Pair pair = new Pair(dir)) {
            assertThrows(ShmTimeoutException.class, () -> pair.server.receive(50));
        }
    }

    private void assertRejected(final byte[] header, final String expected) throws Exception {
        try (Pair pair = new Pair(dir)) {
            pair.client.send(header);
            final ProtocolViolationException e =
                assertThrows(ProtocolViolationException.class, () -> pair.server.receive(1000));
            assertTrue(e.getMessage().contains(expected), e.getMessage() + " should mention " + expected);
        }
    }

    /** A connected pair of control channels over a real Unix socket. */
    private static final class Pair implements AutoCloseable {
        private static int counter;
        final UnixSocket listener;
        final ControlChannel client;
        final ControlChannel server;

        Pair(final Path dir) throws Exception {
            final Path path = dir.resolve("c" + (counter++) + ".sock");
            listener = UnixSocket.listen(path, 1, 0600);
            client = new ControlChannel(UnixSocket.connect(path), 1 << 20);
            server = new ControlChannel(listener.accept(), 1 << 20);
        }

        @Override
        public void close() {
            client.close();
            server.close();
            listener.close();
        }
    }
}
