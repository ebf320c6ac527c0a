package io.shmipc.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.core.layout.EventHeaderDescriptor;
import io.shmipc.nativeio.PeerClosedException;
import io.shmipc.nativeio.UnixSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Feeds arbitrary bytes to {@link ControlChannel#receive} through a real connected Unix socket pair and checks every
 * outcome against an independent decoding of the same bytes: each event is delivered whole with a body no larger
 * than the declared maximum, a bad header ends in {@link ProtocolViolationException}, a stream that stops inside an
 * event ends in {@link PeerClosedException}, a stream that stops between events in end of stream; nothing else.
 *
 * <p>Input: a u16 maximum event length, then the bytes the peer writes before closing its side.
 */
class ControlChannelFuzzTest {
    /** The peer writes everything before we read, so it must fit the socket's send buffer. */
    /** A few seconds of fuzzing in a plain build; -Pfuzz lifts the limit. */
    private static final long SHORT_RUN_EXECUTIONS = 2_500;
    private static final int MAX_STREAM_BYTES = 32 * 1024;
    /** Generous: the bytes are already queued, so receive() never has to wait for them. */
    private static final int RECEIVE_TIMEOUT_MILLIS = 5_000;

    private static Path directory;
    private static Path socketPath;
    private static UnixSocket listener;

    @BeforeAll
    static void listen() throws Exception {
        directory = Files.createTempDirectory("shmipc-fuzz-control");
        socketPath = directory.resolve("control.sock");
        listener = UnixSocket.listen(socketPath, 4, 0600);
    }

    @AfterAll
    static void stopListening() throws Exception {
        listener.close();
        Files.deleteIfExists(socketPath);
        Files.deleteIfExists(directory);
    }

    @FuzzTest(maxExecutions = SHORT_RUN_EXECUTIONS)
    void shouldDecodeOrRejectEveryByteStream(final byte[] data) throws Exception {
        final FuzzInput input = new FuzzInput(data);
        final int maxEventLength = input.u16();
        final byte[] stream = input.remaining();
        if (stream.length > MAX_STREAM_BYTES) {
            return;
        }
        try (ControlChannel peer = new ControlChannel(UnixSocket.connect(socketPath), maxEventLength);
             ControlChannel us = new ControlChannel(listener.accept(), maxEventLength)) {
            peer.send(stream);
            peer.shutdownOutput();
            receiveAll(us, stream, maxEventLength);
        }
    }

    private static void receiveAll(final ControlChannel channel, final byte[] stream, final int maxEventLength)
        throws Exception {
        int offset = 0;
        // Each event takes at least one header, so this bounds the loop even if decoding went wrong.
        for (int events = 0; events <= stream.length / EventHeaderDescriptor.HEADER_LENGTH; events++) {
            final Outcome expected = Outcome.decode(stream, offset, maxEventLength);
            final ControlEvent event;
            try {
                event = channel.receive(RECEIVE_TIMEOUT_MILLIS);
            } catch (final ProtocolViolationException e) {
                // An event cut short by the end of the stream is itself a violation, one that says "truncated".
                if (expected.kind == Outcome.Kind.TRUNCATED) {
                    assertTrue(e.getMessage().contains("truncated"), "cut short at " + offset + ": " + e.getMessage());
                } else {
                    assertEquals(Outcome.Kind.VIOLATION, expected.kind, "rejected at " + offset + ": " + e.getMessage());
                }
                return;
            } catch (final PeerClosedException e) {
                assertEquals(Outcome.Kind.TRUNCATED, expected.kind, "cut short at " + offset + ": " + e.getMessage());
                return;
            }
            if (event == null) {
                assertEquals(Outcome.Kind.END, expected.kind, "end of stream at " + offset);
                return;
            }
            assertEquals(Outcome.Kind.EVENT, expected.kind, "an event at " + offset);
            assertEquals(expected.type, event.type());
            assertEquals(expected.version, event.version());
            assertTrue(event.body().length <= maxEventLength - EventHeaderDescriptor.HEADER_LENGTH,
                "body of " + event.body().length + " B beyond the maximum event length " + maxEventLength);
            assertArrayEquals(expected.body, event.body());
            checkAccessors(event);
            offset += EventHeaderDescriptor.HEADER_LENGTH + event.body().length;
        }
        fail("more events than the stream can hold");
    }

    /** Every accessor a session calls on a body either answers as the bytes say or reports a short body. */
    private static void checkAccessors(final ControlEvent event) {
        final byte[] body = event.body();
        final ByteBuffer wire = ByteBuffer.wrap(body).order(ByteOrder.BIG_ENDIAN);
        for (int offset = 0; offset <= body.length + 8; offset++) {
            final int at = offset;
            expectValueOrShortBody(body.length >= at + Integer.BYTES, () -> wire.getInt(at), () -> event.bodyInt(at));
            expectValueOrShortBody(body.length >= at + Long.BYTES, () -> wire.getLong(at), () -> event.bodyLong(at));
        }
        final String[] names = referenceNames(body);
        try {
            final String[] decoded = event.sharedMemoryNames();
            assertArrayEquals(names, decoded, "shared memory names");
        } catch (final ProtocolViolationException e) {
            assertEquals(null, names, "names rejected: " + e.getMessage());
        }
    }

    private static void expectValueOrShortBody(final boolean fits, final ValueReader reference,
                                               final ValueReader decoder) {
        try {
            final long value = decoder.read();
            assertTrue(fits, "read past the body");
            assertEquals(reference.read(), value);
        } catch (final ProtocolViolationException e) {
            assertTrue(!fits, "rejected a read that fits: " + e.getMessage());
        }
    }

    /** Two u16-length-prefixed UTF-8 strings, or null if the body is too short for them. */
    private static String[] referenceNames(final byte[] body) {
        final String[] names = new String[2];
        int offset = 0;
        for (int i = 0; i < names.length; i++) {
            if (offset + 2 > body.length) {
                return null;
            }
            final int length = (body[offset] & 0xFF) << 8 | body[offset + 1] & 0xFF;
            offset += 2;
            if (offset + length > body.length) {
                return null;
            }
            names[i] = new String(body, offset, length, StandardCharsets.UTF_8);
            offset += length;
        }
        return names;
    }

    @FunctionalInterface
    private interface ValueReader {
        long read() throws ProtocolViolationException;
    }

    /** What the protocol says the next receive must produce, decoded without ControlChannel's code. */
    private static final class Outcome {
        enum Kind { EVENT, VIOLATION, TRUNCATED, END }

        final Kind kind;
        final EventType type;
        final int version;
        final byte[] body;

        private Outcome(final Kind kind, final EventType type, final int version, final byte[] body) {
            this.kind = kind;
            this.type = type;
            this.version = version;
            this.body = body;
        }

        private static Outcome of(final Kind kind) {
            return new Outcome(kind, null, 0, null);
        }

        static Outcome decode(final byte[] stream, final int offset, final int maxEventLength) {
            final int available = stream.length - offset;
            if (available == 0) {
                return of(Kind.END);
            }
            if (available < EventHeaderDescriptor.HEADER_LENGTH) {
                return of(Kind.TRUNCATED);
            }
            final ByteBuffer header = ByteBuffer.wrap(stream, offset, EventHeaderDescriptor.HEADER_LENGTH)
                .order(ByteOrder.BIG_ENDIAN);
            final long length = header.getInt(offset) & 0xFFFFFFFFL;
            final int magic = header.getShort(offset + 4) & 0xFFFF;
            final int version = stream[offset + 6] & 0xFF;
            final int code = stream[offset + 7] & 0xFF;
            final EventType type = code < EventType.values().length ? EventType.values()[code] : null;
            if (magic != 0x7758 || version == 0 || type == null
                || length < EventHeaderDescriptor.HEADER_LENGTH || length > maxEventLength) {
                return of(Kind.VIOLATION);
            }
            if (length > available) {
                return of(Kind.TRUNCATED);
            }
            final int bodyStart = offset + EventHeaderDescriptor.HEADER_LENGTH;
            return new Outcome(Kind.EVENT, type, version,
                Arrays.copyOfRange(stream, bodyStart, offset + (int) length));
        }
    }
}
