package io.shmipc.it;

import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.core.layout.BufferRegionDescriptor;
import io.shmipc.core.layout.EventHeaderDescriptor;
import io.shmipc.core.layout.MessageRingDescriptor;
import io.shmipc.core.layout.QueueDescriptor;
import io.shmipc.core.queue.EventQueue;
import io.shmipc.core.queue.MessageRing;
import io.shmipc.core.region.SharedRegion;
import io.shmipc.core.region.StaleFiles;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.nativeio.MemFd;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.UnixSocket;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A peer that performs a valid ShmIPC handshake with its own code, then misbehaves on command.
 * <ul>
 *   <li>{@code client <socket> <memfd|file> <MISBEHAVIOUR>}: connects as a client (file mode takes its prefix from
 *   SHMIPC_FILE_PREFIX);</li>
 *   <li>{@code server <socket> <MISBEHAVIOUR>}: listens, accepts one client and completes the server side of the
 *   memfd handshake;</li>
 *   <li>{@code server <socket> REPORT_SEALS}: as a server, prints the seals of the memfds it receives
 *   ({@code SEALS <buffer> <queue>}) and what happens when it tries to resize them ({@code RESIZE grow=.. shrink=..});</li>
 *   <li>{@code client <socket> file WORLD_WRITABLE_FILES}: offers region files others may write and prints
 *   {@code REFUSED} if the server hangs up on it;</li>
 *   <li>{@code client <socket> memfd HAND_OVER_SOCKET} and {@code server <socket> HAND_OVER_SOCKET}: on {@code GO},
 *   passes its end of the control socket to a listener at {@code <socket>.handover} and otherwise behaves.</li>
 * </ul>
 * It prints {@code HANDSHAKEN} after the handshake, waits for {@code GO} on stdin, misbehaves, prints {@code DONE}, and
 * keeps its end open until stdin ends (so that the victim reports the misbehaviour, not a hang-up).
 */
public final class HostilePeerMain {
    private static final int QUEUE_CAPACITY = 64;
    private static final long BUFFER_BYTES = 1 << 20;
    private static final int STREAM_ID = 2;
    private static final int FAR_OUTSIDE = 0x7FFFFF00;
    private static final int UNKNOWN_STATE = 7;
    private static final int TIMEOUT_MILLIS = 5000;
    private static final int EPERM = 1;
    /** The scenario that passes this peer's end of the control socket on, so that it outlives this process. */
    static final String HAND_OVER_SOCKET = "HAND_OVER_SOCKET";
    /** Where the socket is handed over: a listener at the control socket's path with this suffix. */
    static final String HAND_OVER_SUFFIX = ".handover";

    private final ControlChannel control;
    private final SharedRegion queue;
    private final BufferPool pool;
    private final EventQueue out;
    private final int outRingOffset;
    /** The client's message ring to the server, for the RING_ scenarios (null otherwise). */
    private final MessageRing outMessages;
    /** The whole buffer region, and where the ring to the server keeps its first record (RING_ scenarios). */
    private final AtomicBuffer bufferRegion;
    private final int firstRingRecord;

    private HostilePeerMain(final ControlChannel control, final SharedRegion queue, final BufferPool pool,
                            final EventQueue out, final int outRingOffset, final MessageRing outMessages,
                            final AtomicBuffer bufferRegion, final int firstRingRecord) {
        this.control = control;
        this.queue = queue;
        this.pool = pool;
        this.out = out;
        this.outRingOffset = outRingOffset;
        this.outMessages = outMessages;
        this.bufferRegion = bufferRegion;
        this.firstRingRecord = firstRingRecord;
    }

    public static void main(final String[] args) throws Exception {
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final Path socket = Path.of(args[1]);
        final String scenario = args[args.length - 1];
        final HostilePeerMain peer;
        if ("client".equals(args[0])) {
            peer = connect(socket, "file".equals(args[2]), scenario);
        } else {
            peer = accept(socket, scenario);
        }
        if (peer == null) {
            return;
        }
        say("HANDSHAKEN");
        String line;
        while ((line = stdin.readLine()) != null && !"GO".equals(line.trim())) {
            // wait for the test to be ready
        }
        if (line != null && HAND_OVER_SOCKET.equals(scenario)) {
            peer.handOverControlSocket(Path.of(args[1] + HAND_OVER_SUFFIX));
            say("DONE");
        } else if (line != null && !"REPORT_SEALS".equals(scenario)) {
            peer.misbehave(Misbehaviour.valueOf(scenario));
            say("DONE");
        }
        while (stdin.readLine() != null) {
            // keep everything open until the test is done
        }
        System.exit(0);
    }

    private static void say(final String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** The client side of the handshake, regions created and formatted here. Null if the scenario ends there. */
    private static HostilePeerMain connect(final Path path, final boolean file, final String scenario)
        throws Exception {
        final UnixSocket socket = UnixSocket.connect(path);
        final ControlChannel control = new ControlChannel(socket, 1 << 20);
        final long queueLength = QueueDescriptor.regionLength(QUEUE_CAPACITY);
        final SharedRegion queue;
        final SharedRegion buffer;
        if (file) {
            final String base = StaleFiles.newBaseName(System.getenv("SHMIPC_FILE_PREFIX"), 1);
            queue = SharedRegion.createFile(base + "_queue", queueLength);
            buffer = SharedRegion.createFile(base + "_buffer", BUFFER_BYTES);
        } else {
            queue = SharedRegion.createMemfd("hostile_queue", queueLength);
            buffer = SharedRegion.createMemfd("hostile_buffer", BUFFER_BYTES);
        }
        final EventQueue toServer = EventQueue.format(queue.buffer(), 0, QUEUE_CAPACITY);
        EventQueue.format(queue.buffer(), (int) QueueDescriptor.ringLength(QUEUE_CAPACITY), QUEUE_CAPACITY);
        // The RING_ scenarios lay out message rings after the lists, as a shmipc-java client does (PROTOCOL.md 12).
        final boolean rings = scenario.startsWith("RING_");
        final int ringCapacity = MessageRingDescriptor.MIN_CAPACITY;
        final int ringsBytes = rings ? MessageRingDescriptor.reservedBytes(ringCapacity) : 0;
        final BufferPool pool = BufferPool.format(new UnsafeBuffer(buffer.buffer().addressOffset(),
            buffer.buffer().capacity() - ringsBytes), new SliceClass(8172, 50), new SliceClass(32748, 50));
        MessageRing toServerRing = null;
        final int at = (int) MessageRingDescriptor.ringsOffset(pool.usedLength());
        if (rings) {
            toServerRing = MessageRing.format(buffer.buffer(), at, ringCapacity);
            MessageRing.format(buffer.buffer(), at + MessageRingDescriptor.ringLength(ringCapacity), ringCapacity);
            pool.addCapabilities(BufferRegionDescriptor.CAPABILITY_CLIENT_MESSAGE_RINGS);
        }
        if (file) {
            if ("WORLD_WRITABLE_FILES".equals(scenario)) {
                Posix.chmod(queue.name(), 0666);
                Posix.chmod(buffer.name(), 0666);
            }
            control.version(EventHeaderDescriptor.VERSION_FILE);
            control.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_FILE_PATH,
                EventHeaderDescriptor.VERSION_FILE, queue.name(), buffer.name()));
            if ("WORLD_WRITABLE_FILES".equals(scenario)) {
                try {
                    say(control.receive(TIMEOUT_MILLIS) == null ? "REFUSED" : "ACCEPTED");
                } catch (final ShmTimeoutException e) {
                    say("ACCEPTED");
                } finally {
                    queue.close();
                    buffer.close();
                }
                return null;
            }
        } else {
            control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, EventHeaderDescriptor.VERSION_MEMFD));
            expect(control, EventType.EXCHANGE_PROTO_VERSION);
            control.version(EventHeaderDescriptor.VERSION_MEMFD);
            control.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_MEMFD,
                EventHeaderDescriptor.VERSION_MEMFD, queue.name(), buffer.name()));
            expect(control, EventType.ACK_READY_RECV_FD);
            control.sendFds(new int[] {buffer.fd(), queue.fd()});
            expect(control, EventType.ACK_SHARE_MEMORY);
            if (rings && (pool.capabilities() & BufferRegionDescriptor.CAPABILITY_SERVER_MESSAGE_RINGS) == 0) {
                throw new IllegalStateException("the server did not take the message rings");
            }
        }
        // Region files are ours: remove them when this process ends normally (a kill leaves them to the sweep).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            queue.unlink();
            buffer.unlink();
        }));
        return new HostilePeerMain(control, queue, pool, toServer, 0, toServerRing, buffer.buffer(),
            at + MessageRingDescriptor.HEADER_LENGTH);
    }

    /** The server side of the memfd handshake, with the client's regions mapped here. */
    private static HostilePeerMain accept(final Path path, final String scenario) throws Exception {
        final UnixSocket listener = UnixSocket.listen(path, 1, 0600);
        say("READY");
        final UnixSocket socket = listener.accept();
        final ControlChannel control = new ControlChannel(socket, 1 << 20);
        expect(control, EventType.EXCHANGE_PROTO_VERSION);
        control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, EventHeaderDescriptor.VERSION_MEMFD));
        control.version(EventHeaderDescriptor.VERSION_MEMFD);
        final String[] names = expect(control, EventType.SHARE_MEMORY_BY_MEMFD).sharedMemoryNames();
        control.send(ControlEvent.empty(EventType.ACK_READY_RECV_FD, EventHeaderDescriptor.VERSION_MEMFD));
        final int[] fds = control.receiveFds(TIMEOUT_MILLIS);
        if ("REPORT_SEALS".equals(scenario)) {
            say("SEALS " + MemFd.seals(fds[0]) + " " + MemFd.seals(fds[1]));
            final long length = Posix.fileSize(fds[0]);
            say("RESIZE grow=" + resizeResult(fds[0], length * 2) + " shrink=" + resizeResult(fds[0], length / 2)
                + " size=" + (Posix.fileSize(fds[0]) == length ? "unchanged" : "changed"));
        }
        final SharedRegion buffer = SharedRegion.mapMemfd(names[1], fds[0], 1L << 30);
        final SharedRegion queue = SharedRegion.mapMemfd(names[0], fds[1], 1L << 30);
        final BufferPool pool = BufferPool.attach(buffer.buffer());
        MessageRing toClientRing = null;
        int firstRecord = -1;
        if (scenario.startsWith("RING_")) {
            // Take the client's message rings as a shmipc-java server does (PROTOCOL.md 12), then abuse ours.
            final long at = MessageRingDescriptor.ringsOffset(pool.usedLength());
            final MessageRing toServerRing = MessageRing.attach(buffer.buffer(), at);
            final int toClientAt = (int) at + MessageRingDescriptor.ringLength(toServerRing.capacity());
            toClientRing = MessageRing.attach(buffer.buffer(), toClientAt);
            firstRecord = toClientAt + MessageRingDescriptor.HEADER_LENGTH;
            pool.addCapabilities(BufferRegionDescriptor.CAPABILITY_SERVER_MESSAGE_RINGS);
        }
        control.send(ControlEvent.empty(EventType.ACK_SHARE_MEMORY, EventHeaderDescriptor.VERSION_MEMFD));
        final int capacity = EventQueue.capacityForRegion(queue.length());
        final int toClientOffset = (int) QueueDescriptor.ringLength(capacity);
        final EventQueue toClient = EventQueue.attach(queue.buffer(), toClientOffset, capacity);
        return new HostilePeerMain(control, queue, pool, toClient, toClientOffset, toClientRing, buffer.buffer(),
            firstRecord);
    }

    private static String resizeResult(final int fd, final long length) {
        try {
            Posix.ftruncate(fd, length);
            return "allowed";
        } catch (final NativeException e) {
            return e.errno() == EPERM ? "EPERM" : "errno" + e.errno();
        }
    }

    private static ControlEvent expect(final ControlChannel control, final EventType type) throws Exception {
        final ControlEvent event = control.receive(TIMEOUT_MILLIS);
        if (event == null || event.type() != type) {
            throw new IllegalStateException("expected " + type + " in the handshake, got " + event);
        }
        return event;
    }

    private static void truncate(final String file) throws java.io.IOException {
        try (java.io.RandomAccessFile region = new java.io.RandomAccessFile(file, "rw")) {
            region.setLength(0);
        }
    }

    /**
     * Sends our end of the control socket (SCM_RIGHTS) to whoever listens at {@code keeper}: once they hold a copy,
     * our death closes nothing and the victim sees no end of stream, as when a child process inherited the socket.
     */
    private void handOverControlSocket(final Path keeper) throws NativeException {
        try (UnixSocket toKeeper = UnixSocket.connect(keeper)) {
            toKeeper.sendFds(new byte[] {1}, 0, 1, new int[] {control.socket().fd()});
        }
    }

    private void misbehave(final Misbehaviour misbehaviour) throws Exception {
        final int version = control.version();
        switch (misbehaviour) {
            case OFFSET_OUT_OF_REGION -> publish(FAR_OUTSIDE, QueueDescriptor.STATUS_OPEN);
            case OFFSET_INSIDE_A_SLICE -> publish(slice() + 20, QueueDescriptor.STATUS_OPEN);
            case SLICE_SIZE_BEYOND_CAPACITY -> {
                final int slice = slice();
                pool.setSliceSize(slice, pool.capacityOf(slice) + 1);
                publish(slice, QueueDescriptor.STATUS_OPEN);
            }
            case CHAIN_CYCLE -> {
                final int first = slice();
                final int second = slice();
                pool.linkChain(first, second);
                pool.linkChain(second, first);
                publish(first, QueueDescriptor.STATUS_OPEN);
            }
            case CHAIN_LINK_OUT_OF_REGION -> {
                final int first = slice();
                pool.linkChain(first, FAR_OUTSIDE);
                publish(first, QueueDescriptor.STATUS_OPEN);
            }
            case UNKNOWN_STATE -> publish(slice(), UNKNOWN_STATE);
            case TAIL_BEYOND_CAPACITY -> {
                queue.buffer().putLongVolatile(outRingOffset + QueueDescriptor.TAIL_OFFSET, 1_000_000L);
                control.sendPolling();
            }
            case RING_RECORD_PAST_END -> ringRecord(MessageRingDescriptor.TYPE_ELEMENT, outMessages.capacity() + 8);
            case RING_UNKNOWN_RECORD_TYPE -> ringRecord(9, 16);
            case RING_ELEMENT_OUT_OF_REGION -> {
                if (!outMessages.offer(STREAM_ID, FAR_OUTSIDE, QueueDescriptor.STATUS_OPEN)) {
                    throw new IllegalStateException("message ring full");
                }
                control.sendPolling();
            }
            case UNKNOWN_EVENT_TYPE -> control.send(header(EventHeaderDescriptor.HEADER_LENGTH,
                EventHeaderDescriptor.MAGIC, version, 42));
            case HANDSHAKE_EVENT_AFTER_HANDSHAKE -> control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION,
                version));
            case BAD_MAGIC -> control.send(header(EventHeaderDescriptor.HEADER_LENGTH, (short) 0x1234, version,
                EventType.POLLING.code()));
            case OVERSIZED_EVENT -> control.send(header(0x7FFFFFF0, EventHeaderDescriptor.MAGIC, version,
                EventType.FALLBACK_DATA.code()));
            case TRUNCATED_EVENT -> {
                // FallbackData announcing 100 payload bytes; only the stream id, status and 12 bytes follow.
                final byte[] head = header(EventHeaderDescriptor.HEADER_LENGTH + ControlEvent.FALLBACK_HEADER_LENGTH
                    + 100, EventHeaderDescriptor.MAGIC, version, EventType.FALLBACK_DATA.code());
                final byte[] body = new byte[ControlEvent.FALLBACK_HEADER_LENGTH + 12];
                new UnsafeBuffer(body).putInt(ControlEvent.FALLBACK_STREAM_ID_OFFSET, STREAM_ID, ByteOrder.BIG_ENDIAN);
                control.send(head, body, 0, body.length);
                control.shutdownOutput();
            }
            case TRUNCATED_REGION_FILES -> {
                // File mode only (memfds are sealed): the victim's mapping now ends at page 0, then wake it up.
                final String queueFile = queue.name();
                truncate(queueFile);
                truncate(queueFile.substring(0, queueFile.length() - "_queue".length()) + "_buffer");
                control.sendPolling();
            }
            case UNLINKED_REGION_FILES -> {
                final String queueFile = queue.name();
                java.nio.file.Files.delete(Path.of(queueFile));
                java.nio.file.Files.delete(Path.of(queueFile.substring(0, queueFile.length() - "_queue".length())
                    + "_buffer"));
                publish(slice(), QueueDescriptor.STATUS_OPEN);
            }
            default -> throw new IllegalArgumentException("no such misbehaviour " + misbehaviour);
        }
    }

    /** Writes a record header by hand at the start of the (empty) ring to the victim and wakes it. */
    private void ringRecord(final int type, final int length) throws Exception {
        bufferRegion.putInt(firstRingRecord + MessageRingDescriptor.RECORD_TYPE_OFFSET, type);
        bufferRegion.putIntOrdered(firstRingRecord + MessageRingDescriptor.RECORD_LENGTH_OFFSET, length);
        control.sendPolling();
    }

    /** A one-slice message of 10 bytes, allocated but not yet queued. */
    private int slice() throws Exception {
        final int slice = pool.allocate(10);
        pool.region().setMemory(BufferPool.dataIndex(slice), 10, (byte) 'x');
        pool.setSliceSize(slice, 10);
        return slice;
    }

    /** Queues an element for stream 2 and wakes the victim with a Polling event. */
    private void publish(final int offset, final int status) throws Exception {
        if (!out.offer(STREAM_ID, offset, status)) {
            throw new IllegalStateException("queue full");
        }
        control.sendPolling();
    }

    private static byte[] header(final int length, final short magic, final int version, final int type) {
        final byte[] event = new byte[EventHeaderDescriptor.HEADER_LENGTH];
        final UnsafeBuffer view = new UnsafeBuffer(event);
        view.putInt(EventHeaderDescriptor.LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        view.putShort(EventHeaderDescriptor.MAGIC_OFFSET, magic, ByteOrder.BIG_ENDIAN);
        view.putByte(EventHeaderDescriptor.VERSION_OFFSET, (byte) version);
        view.putByte(EventHeaderDescriptor.TYPE_OFFSET, (byte) type);
        return event;
    }
}
