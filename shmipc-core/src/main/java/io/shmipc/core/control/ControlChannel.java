package io.shmipc.core.control;

import io.shmipc.core.ProtocolViolationException;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.PeerClosedException;
import io.shmipc.nativeio.PeerCredentials;
import io.shmipc.nativeio.UnixSocket;
import io.shmipc.nativeio.WriteTimeoutException;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.shmipc.core.layout.EventHeaderDescriptor.HEADER_LENGTH;
import static io.shmipc.core.layout.EventHeaderDescriptor.LENGTH_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.MAGIC;
import static io.shmipc.core.layout.EventHeaderDescriptor.MAGIC_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.TYPE_OFFSET;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_MEMFD;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_OFFSET;

/**
 * The control connection of a session: a Unix socket carrying events. Sending is safe from many threads (each
 * event goes out whole); receiving is done by one thread at a time. Every received header is validated before its
 * length is trusted.
 */
public final class ControlChannel implements AutoCloseable {
    private final UnixSocket socket;
    private final int maxEventLength;
    private final byte[] header = new byte[HEADER_LENGTH];
    private final UnsafeBuffer headerView = new UnsafeBuffer(header);
    private final Object sendLock = new Object();
    private volatile int version = VERSION_MEMFD;
    private byte[] polling = ControlEvent.empty(EventType.POLLING, VERSION_MEMFD);

    public ControlChannel(final UnixSocket socket, final int maxEventLength) {
        this.socket = socket;
        this.maxEventLength = maxEventLength;
    }

    public UnixSocket socket() {
        return socket;
    }

    /** The protocol version this session settled on; used in every event header from now on. */
    public int version() {
        return version;
    }

    public void version(final int version) {
        this.version = version;
        this.polling = ControlEvent.empty(EventType.POLLING, version);
    }

    public PeerCredentials peerCredentials() throws NativeException {
        return socket.peerCredentials();
    }

    /** Sends one whole event. */
    public void send(final byte[] event) throws NativeException {
        synchronized (sendLock) {
            socket.writeFully(event, 0, event.length);
        }
    }

    /** Sends a header and a payload as one event, with no other event in between. */
    public void send(final byte[] header, final byte[] payload, final int offset, final int length)
        throws NativeException {
        send(header, payload, offset, length, UnixSocket.NO_DEADLINE);
    }

    /**
     * Sends a header and a payload as one event, giving up at {@code deadlineNanos} ({@link System#nanoTime()}) if
     * the peer stops reading. The {@link WriteTimeoutException} counts the bytes of the whole event that went out:
     * anything but zero leaves the connection cut inside an event.
     */
    public void send(final byte[] header, final byte[] payload, final int offset, final int length,
                     final long deadlineNanos) throws NativeException {
        synchronized (sendLock) {
            socket.writeFully(header, 0, header.length, deadlineNanos);
            try {
                socket.writeFully(payload, offset, length, deadlineNanos);
            } catch (final WriteTimeoutException e) {
                throw new WriteTimeoutException(e.getMessage(), header.length + e.bytesWritten());
            }
        }
    }

    /** Sends a Polling event: "there is work in your receive queue". */
    public void sendPolling() throws NativeException {
        send(polling);
    }

    public void sendFds(final int[] fds) throws NativeException {
        synchronized (sendLock) {
            socket.sendFds(new byte[] {0}, 0, 1, fds);
        }
    }

    /**
     * Reads one event, waiting at most {@code timeoutMillis} for it to start (negative: forever). Validates magic,
     * version, type and length. Returns null at a clean end of stream between events.
     */
    public ControlEvent receive(final int timeoutMillis) throws ShmIpcException, NativeException {
        if (timeoutMillis >= 0 && !socket.awaitReadable(timeoutMillis)) {
            throw new ShmTimeoutException("no event from the peer within " + timeoutMillis + " ms");
        }
        final int first = socket.read(header, 0, HEADER_LENGTH);
        if (first < 0) {
            return null;
        }
        if (first < HEADER_LENGTH) {
            readRest(header, first, HEADER_LENGTH - first, null, HEADER_LENGTH);
        }
        final int length = headerView.getInt(LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        final short magic = headerView.getShort(MAGIC_OFFSET, ByteOrder.BIG_ENDIAN);
        final int eventVersion = headerView.getByte(VERSION_OFFSET) & 0xFF;
        final int code = headerView.getByte(TYPE_OFFSET) & 0xFF;
        if (magic != MAGIC) {
            throw new ProtocolViolationException(String.format("control event with magic 0x%04x, expected 0x%04x",
                magic & 0xFFFF, MAGIC));
        }
        if (eventVersion == 0) {
            throw new ProtocolViolationException("control event with protocol version 0");
        }
        final EventType type = EventType.of(code);
        if (type == null) {
            throw new ProtocolViolationException("control event of unknown type " + code);
        }
        if (length < HEADER_LENGTH || length > maxEventLength) {
            throw new ProtocolViolationException(type + " event declares " + Integer.toUnsignedString(length)
                + " bytes, outside " + HEADER_LENGTH + ".." + maxEventLength);
        }
        final byte[] body = new byte[length - HEADER_LENGTH];
        if (body.length > 0) {
            readRest(body, 0, body.length, type, length);
        }
        return new ControlEvent(type, eventVersion, body);
    }

    /**
     * Reads the rest of an event (its header when {@code type} is null): the peer ending the connection inside an
     * event is a protocol violation, not a clean close.
     */
    private void readRest(final byte[] into, final int offset, final int length, final EventType type,
                          final int eventLength) throws ProtocolViolationException, NativeException {
        try {
            socket.readFully(into, offset, length);
        } catch (final PeerClosedException e) {
            if (e.errno() != 0) {
                throw e;
            }
            throw new ProtocolViolationException("control " + (type == null ? "event header" : type + " event of "
                + eventLength + " bytes") + " truncated: " + e.getMessage());
        }
    }

    /** Receives the two fds of a v3 handshake (one data byte with them). */
    public int[] receiveFds(final int timeoutMillis) throws ShmIpcException, NativeException {
        if (!socket.awaitReadable(timeoutMillis)) {
            throw new ShmTimeoutException("the peer sent no file descriptors within " + timeoutMillis + " ms");
        }
        final UnixSocket.ReceivedFds received = socket.receiveFds(new byte[1], 0, 1, 2);
        if (received.bytesRead() != 1 || received.fds().length != 2) {
            for (final int fd : received.fds()) {
                io.shmipc.nativeio.Posix.close(fd);
            }
            throw new ProtocolViolationException("expected one byte and 2 file descriptors, got "
                + received.bytesRead() + " bytes and " + received.fds().length + " descriptors");
        }
        return received.fds();
    }

    /** Half-closes our side; the peer sees end of stream. */
    public void shutdownOutput() {
        socket.shutdownOutput();
    }

    @Override
    public void close() {
        socket.close();
    }
}
