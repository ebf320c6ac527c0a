package io.shmipc.core.control;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.nativeio.UnixSocket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;

import static io.shmipc.core.layout.EventHeaderDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.EventHeaderDescriptor.LENGTH_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.MAGIC;
import static io.shmipc.core.layout.EventHeaderDescriptor.MAGIC_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.TYPE_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_MEMFD;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A peer that ends the connection inside an event has broken the protocol; one that ends it between events has not. */
class ControlChannelTruncationTest {
    @TempDir
    Path dir;

    private static byte[] fallbackHeader(final int payload) {
        final byte[] header = new byte[HEADER_LENGTH];
        final UnsafeBuffer view = new UnsafeBuffer(header);
        view.putInt(LENGTH_OFFSET, HEADER_LENGTH + ControlEvent.FALLBACK_HEADER_LENGTH + payload, ByteOrder.BIG_ENDIAN);
        view.putShort(MAGIC_OFFSET, MAGIC, ByteOrder.BIG_ENDIAN);
        view.putByte(VERSION_OFFSET, (byte) VERSION_MEMFD);
        view.putByte(TYPE_OFFSET, (byte) EventType.FALLBACK_DATA.code());
        return header;
    }

    private interface Sender {
        void send(UnixSocket peer) throws Exception;
    }

    private ControlChannel receiverAfter(final Sender sender) throws Exception {
        try (UnixSocket listener = UnixSocket.listen(dir.resolve("c.sock"), 1, 0600)) {
            final UnixSocket peer = UnixSocket.connect(dir.resolve("c.sock"));
            final UnixSocket accepted = listener.accept();
            sender.send(peer);
            peer.close();
            return new ControlChannel(accepted, 1 << 20);
        }
    }

    @Test
    void shouldReportAnEventCutShortInItsBodyAsAViolation() throws Exception {
        final ControlChannel channel = receiverAfter(peer -> {
            peer.writeFully(fallbackHeader(100), 0, HEADER_LENGTH);
            peer.writeFully(new byte[20], 0, 20);
        });
        final ProtocolViolationException e = assertThrows(ProtocolViolationException.class, () -> channel.receive(1000));
        assertTrue(e.getMessage().contains("FALLBACK_DATA event of 116 bytes truncated"), e.getMessage());
        channel.close();
    }

    @Test
    void shouldReportAnEventCutShortInItsHeaderAsAViolation() throws Exception {
        final ControlChannel channel = receiverAfter(peer -> peer.writeFully(fallbackHeader(100), 0, 5));
        final ProtocolViolationException e = assertThrows(ProtocolViolationException.class, () -> channel.receive(1000));
        assertTrue(e.getMessage().contains("event header truncated"), e.getMessage());
        channel.close();
    }

    @Test
    void shouldReportAnEndBetweenEventsAsACleanClose() throws Exception {
        final ControlChannel channel = receiverAfter(peer -> { });
        assertNull(channel.receive(1000));
        channel.close();
    }
}
