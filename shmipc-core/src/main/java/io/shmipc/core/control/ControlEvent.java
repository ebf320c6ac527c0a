package io.shmipc.core.control;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.layout.QueueDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static io.shmipc.core.layout.EventHeaderDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.EventHeaderDescriptor.LENGTH_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.MAGIC;
import static io.shmipc.core.layout.EventHeaderDescriptor.MAGIC_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.TYPE_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_OFFSET;

/**
 * Encoders for control-connection events and a decoded event (type, version, body). Big-endian throughout.
 */
public final class ControlEvent {
    /** Body offsets of FallbackData: stream id, status, then payload. */
    public static final int FALLBACK_STREAM_ID_OFFSET = 0;
    public static final int FALLBACK_STATUS_OFFSET = 4;
    public static final int FALLBACK_HEADER_LENGTH = 8;

    private static final ByteOrder WIRE = ByteOrder.BIG_ENDIAN;

    private final EventType type;
    private final int version;
    private final byte[] body;

    ControlEvent(final EventType type, final int version, final byte[] body) {
        this.type = type;
        this.version = version;
        this.body = body;
    }

    public EventType type() {
        return type;
    }

    public int version() {
        return version;
    }

    public byte[] body() {
        return body;
    }

    /** Reads a u32 from the body, with a clear error if the body is too short. */
    public int bodyInt(final int offset) throws ProtocolViolationException {
        requireBody(offset + 4);
        return new UnsafeBuffer(body).getInt(offset, WIRE);
    }

    /** Reads a u64 from the body. */
    public long bodyLong(final int offset) throws ProtocolViolationException {
        requireBody(offset + 8);
        return new UnsafeBuffer(body).getLong(offset, WIRE);
    }

    /** The two u16-length-prefixed strings of a ShareMemory event: queue path/name, then buffer path/name. */
    public String[] sharedMemoryNames() throws ProtocolViolationException {
        final UnsafeBuffer view = new UnsafeBuffer(body);
        final String[] names = new String[2];
        int offset = 0;
        for (int i = 0; i < 2; i++) {
            requireBody(offset + 2);
            final int length = view.getShort(offset, WIRE) & 0xFFFF;
            offset += 2;
            requireBody(offset + length);
            names[i] = new String(body, offset, length, StandardCharsets.UTF_8);
            offset += length;
        }
        return names;
    }

    private void requireBody(final int length) throws ProtocolViolationException {
        if (body.length < length) {
            throw new ProtocolViolationException(type + " event body has " + body.length + " bytes, needs "
                + length);
        }
    }

    /** An event with no body. */
    public static byte[] empty(final EventType type, final int version) {
        final byte[] event = new byte[HEADER_LENGTH];
        writeHeader(new UnsafeBuffer(event), event.length, version, type);
        return event;
    }

    /** StreamClose: u32 stream id. */
    public static byte[] streamClose(final int version, final int streamId) {
        final byte[] event = new byte[HEADER_LENGTH + 4];
        final UnsafeBuffer view = new UnsafeBuffer(event);
        writeHeader(view, event.length, version, EventType.STREAM_CLOSE);
        view.putInt(HEADER_LENGTH, streamId, WIRE);
        return event;
    }

    /** FallbackData header (16 bytes); the payload follows it on the wire. */
    public static void fallbackDataHeader(final UnsafeBuffer into, final int version, final int streamId,
                                          final int status, final int payloadLength) {
        writeHeader(into, HEADER_LENGTH + FALLBACK_HEADER_LENGTH + payloadLength, version, EventType.FALLBACK_DATA);
        into.putInt(HEADER_LENGTH + FALLBACK_STREAM_ID_OFFSET, streamId, WIRE);
        into.putInt(HEADER_LENGTH + FALLBACK_STATUS_OFFSET, status, WIRE);
    }

    /**
     * A shmipc-java half-close sent inline: a FallbackData event for the stream with status 2 (half-closed) and no
     * payload. Sent only to a peer that advertised the extension (docs/PROTOCOL.md section 9).
     */
    public static byte[] halfClose(final int version, final int streamId) {
        final byte[] event = new byte[HEADER_LENGTH + FALLBACK_HEADER_LENGTH];
        fallbackDataHeader(new UnsafeBuffer(event), version, streamId, QueueDescriptor.STATUS_HALF_CLOSED, 0);
        return event;
    }

    /** HotRestart or HotRestartAck: u64 epoch. */
    public static byte[] epochEvent(final EventType type, final int version, final long epoch) {
        final byte[] event = new byte[HEADER_LENGTH + 8];
        final UnsafeBuffer view = new UnsafeBuffer(event);
        writeHeader(view, event.length, version, type);
        view.putLong(HEADER_LENGTH, epoch, WIRE);
        return event;
    }

    /** ShareMemoryByFilePath / ShareMemoryByMemfd: queue path (or label), then buffer path (or label). */
    public static byte[] sharedMemory(final EventType type, final int version, final String queue,
                                      final String buffer) {
        final byte[] q = queue.getBytes(StandardCharsets.UTF_8);
        final byte[] b = buffer.getBytes(StandardCharsets.UTF_8);
        if (q.length > 0xFFFF || b.length > 0xFFFF) {
            throw new IllegalArgumentException("shared memory names longer than 65535 bytes");
        }
        final byte[] event = new byte[HEADER_LENGTH + 2 + q.length + 2 + b.length];
        final UnsafeBuffer view = new UnsafeBuffer(event);
        writeHeader(view, event.length, version, type);
        int offset = HEADER_LENGTH;
        view.putShort(offset, (short) q.length, WIRE);
        view.putBytes(offset + 2, q);
        offset += 2 + q.length;
        view.putShort(offset, (short) b.length, WIRE);
        view.putBytes(offset + 2, b);
        return event;
    }

    static void writeHeader(final UnsafeBuffer into, final int length, final int version, final EventType type) {
        into.putInt(LENGTH_OFFSET, length, WIRE);
        into.putShort(MAGIC_OFFSET, MAGIC, WIRE);
        into.putByte(VERSION_OFFSET, (byte) version);
        into.putByte(TYPE_OFFSET, (byte) type.code());
    }
}
