package io.shmipc.core;

import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.core.layout.BufferRegionDescriptor;
import io.shmipc.core.layout.MessageRingDescriptor;
import io.shmipc.core.layout.QueueDescriptor;
import io.shmipc.core.queue.EventQueue;
import io.shmipc.core.queue.MessageRing;
import io.shmipc.core.region.SharedRegion;
import io.shmipc.core.region.StaleFiles;
import io.shmipc.nativeio.Errno;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.PeerCredentials;
import io.shmipc.nativeio.Platform;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.UnixSocket;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_FILE;
import static io.shmipc.core.layout.EventHeaderDescriptor.VERSION_MEMFD;

/**
 * The two sides of session set-up: the client creates both regions and hands them over (v2: file paths, v3: memfds
 * with SCM_RIGHTS, after a version exchange); the server validates and maps them.
 */
final class Handshake {
    /** Control events during and after the handshake are at most this long (fallback chunks included). */
    static final int MAX_EVENT_LENGTH = 64 << 20;

    private static final AtomicLong REGION_SEQUENCE = new AtomicLong();

    private Handshake() {
    }

    static void ensurePlatform() throws ShmIpcException {
        try {
            Platform.ensureSupported();
        } catch (final UnsupportedOperationException e) {
            throw new ShmIpcException("shared-memory IPC is not available here: " + e.getMessage());
        }
    }

    static Session connect(final Path socketPath, final SessionConfig config) throws ShmIpcException {
        return connect(socketPath, config, 0, null);
    }

    /**
     * @param epoch      0 for a first connection; after a server's HotRestart(epoch) the new session's region names
     *                   carry the epoch, so they never clash with the regions of the session being replaced
     * @param hotRestart handles the server's HotRestart; set before the session starts, since the server may send
     *                   one right after the handshake
     */
    static Session connect(final Path socketPath, final SessionConfig config, final long epoch,
                           final HotRestartListener hotRestart) throws ShmIpcException {
        ensurePlatform();
        final UnixSocket socket;
        try {
            socket = UnixSocket.connect(socketPath);
        } catch (final NativeException e) {
            final String why = e.errno() == Errno.ENOENT ? "no server socket there"
                : e.errno() == Errno.ECONNREFUSED ? "nobody is listening" : e.getMessage();
            throw new ShmIpcException("cannot connect to ShmIPC server at " + socketPath + ": " + why, e);
        }
        SharedRegion queueRegion = null;
        SharedRegion bufferRegion = null;
        try {
            final PeerCredentials peer = socket.peerCredentials();
            checkPeerUid(config, peer);
            final int capacity = config.queueCapacity();
            final long queueLength = QueueDescriptor.regionLength(capacity);
            final String base;
            if (config.memoryType() == MemoryType.FILE) {
                StaleFiles.sweep(config.filePrefix(), false);
                base = StaleFiles.newBaseName(config.filePrefix(), epoch, REGION_SEQUENCE.incrementAndGet());
                queueRegion = SharedRegion.createFile(base + "_queue", queueLength);
                bufferRegion = SharedRegion.createFile(base + "_buffer", config.bufferCapacity());
            } else {
                base = "shmipc-java_" + Posix.getpid() + StaleFiles.epochInfix(epoch) + "_"
                    + REGION_SEQUENCE.incrementAndGet();
                queueRegion = SharedRegion.createMemfd(base + "_queue", queueLength);
                bufferRegion = SharedRegion.createMemfd(base + "_buffer", config.bufferCapacity());
            }
            final EventQueue sendQueue = EventQueue.format(queueRegion.buffer(), 0, capacity);
            final EventQueue recvQueue = EventQueue.format(queueRegion.buffer(),
                (int) QueueDescriptor.ringLength(capacity), capacity);
            final int ringCapacity = config.messageRings() && config.memoryType() == MemoryType.MEMFD
                ? MessageRingDescriptor.capacityFor(config.bufferCapacity()) : 0;
            final AtomicBuffer region = bufferRegion.buffer();
            // The lists leave room at the region's end for the two message rings (and their alignment).
            final BufferPool pool = BufferPool.format(ringCapacity == 0 ? region : new UnsafeBuffer(
                region.addressOffset(), region.capacity() - MessageRingDescriptor.reservedBytes(ringCapacity)),
                config.sliceClasses());
            MessageRing clientRing = null;
            MessageRing serverRing = null;
            if (ringCapacity > 0) {
                final int at = (int) MessageRingDescriptor.ringsOffset(pool.usedLength());
                clientRing = MessageRing.format(region, at, ringCapacity);
                serverRing = MessageRing.format(region, at + MessageRingDescriptor.ringLength(ringCapacity),
                    ringCapacity);
            }
            pool.addCapabilities(clientCapabilities(config)
                | (ringCapacity > 0 ? BufferRegionDescriptor.CAPABILITY_CLIENT_MESSAGE_RINGS : 0));

            final ControlChannel control = new ControlChannel(socket, MAX_EVENT_LENGTH);
            final int timeout = (int) config.handshakeTimeout().toMillis();
            if (config.memoryType() == MemoryType.FILE) {
                control.version(VERSION_FILE);
                control.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_FILE_PATH, VERSION_FILE,
                    queueRegion.name(), bufferRegion.name()));
            } else {
                control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, VERSION_MEMFD));
                final ControlEvent reply = expect(control, EventType.EXCHANGE_PROTO_VERSION, timeout);
                if (reply.version() < VERSION_MEMFD) {
                    throw new ShmIpcException("the server speaks protocol v" + reply.version()
                        + " only, which has no memfd handshake; use file memory (SHMIPC_MEMORY_TYPE=file)");
                }
                control.version(VERSION_MEMFD);
                control.send(ControlEvent.sharedMemory(EventType.SHARE_MEMORY_BY_MEMFD, VERSION_MEMFD,
                    queueRegion.name(), bufferRegion.name()));
                expect(control, EventType.ACK_READY_RECV_FD, timeout);
                control.sendFds(new int[] {bufferRegion.fd(), queueRegion.fd()});
                expect(control, EventType.ACK_SHARE_MEMORY, timeout);
                queueRegion.closeFd();
                bufferRegion.closeFd();
            }
            if ((pool.capabilities() & BufferRegionDescriptor.CAPABILITY_SERVER_TAGGED_HEADS) != 0) {
                // A shmipc-java server: pops become safe from the free list's ABA race (docs/PROTOCOL.md 8). Over
                // memfd its bits are always visible here; a file-mode server sets them without an acknowledgement,
                // usually after this point, and such a session keeps plain heads.
                pool.tagHeads();
            }
            // Over memfd the server's bits are visible once it acknowledged; in file mode rings are never laid out.
            final boolean rings = clientRing != null
                && (pool.capabilities() & BufferRegionDescriptor.CAPABILITY_SERVER_MESSAGE_RINGS) != 0;
            final Session session = new Session(config, true, control, queueRegion, bufferRegion, pool, sendQueue,
                recvQueue, rings ? clientRing : null, rings ? serverRing : null, peer.pid(), null, null, null);
            session.hotRestartListener(hotRestart);
            session.start();
            return session;
        } catch (final ShmIpcException | NativeException | RuntimeException e) {
            throw abandon(socket, queueRegion, bufferRegion, e, "handshake with " + socketPath + " failed: ");
        }
    }

    static Session accept(final UnixSocket socket, final SessionConfig config, final StreamHandler handler,
                          final StreamListener listener, final Executor executor) throws ShmIpcException {
        SharedRegion queueRegion = null;
        SharedRegion bufferRegion = null;
        try {
            final PeerCredentials peer = socket.peerCredentials();
            checkPeerUid(config, peer);
            final ControlChannel control = new ControlChannel(socket, MAX_EVENT_LENGTH);
            final int timeout = (int) config.handshakeTimeout().toMillis();
            final ControlEvent first = control.receive(timeout);
            if (first == null) {
                throw new ShmIpcException("client closed the connection before the handshake");
            }
            if (first.version() > VERSION_MEMFD) {
                throw new ProtocolViolationException("client asked for protocol v" + first.version()
                    + "; this server speaks up to v" + VERSION_MEMFD);
            }
            if (first.type() == EventType.SHARE_MEMORY_BY_FILE_PATH) {
                control.version(first.version());
                final String[] names = first.sharedMemoryNames();
                queueRegion = SharedRegion.mapFile(names[0], peer.uid(), config.maxPeerRegionBytes());
                bufferRegion = SharedRegion.mapFile(names[1], peer.uid(), config.maxPeerRegionBytes());
            } else if (first.type() == EventType.EXCHANGE_PROTO_VERSION) {
                control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, VERSION_MEMFD));
                final int version = Math.min(VERSION_MEMFD, first.version());
                control.version(version);
                final String[] names = expect(control, EventType.SHARE_MEMORY_BY_MEMFD, timeout).sharedMemoryNames();
                control.send(ControlEvent.empty(EventType.ACK_READY_RECV_FD, version));
                final int[] fds = control.receiveFds(timeout);
                try {
                    bufferRegion = SharedRegion.mapMemfd(names[1], fds[0], config.maxPeerRegionBytes());
                } finally {
                    if (bufferRegion == null) {
                        Posix.close(fds[1]);
                    }
                }
                queueRegion = SharedRegion.mapMemfd(names[0], fds[1], config.maxPeerRegionBytes());
            } else {
                throw new ProtocolViolationException("client began the handshake with " + first.type());
            }
            final int capacity = EventQueue.capacityForRegion(queueRegion.length());
            if (capacity <= 0) {
                throw new ProtocolViolationException("queue region of " + queueRegion.length()
                    + " bytes does not hold two rings");
            }
            final EventQueue recvQueue = EventQueue.attach(queueRegion.buffer(), 0, capacity);
            final EventQueue sendQueue = EventQueue.attach(queueRegion.buffer(),
                (int) QueueDescriptor.ringLength(capacity), capacity);
            final BufferPool pool = BufferPool.attach(bufferRegion.buffer());
            MessageRing recvRing = null;
            MessageRing sendRing = null;
            if (first.type() == EventType.EXCHANGE_PROTO_VERSION && config.messageRings()
                && (pool.capabilities() & BufferRegionDescriptor.CAPABILITY_CLIENT_MESSAGE_RINGS) != 0) {
                final long at = MessageRingDescriptor.ringsOffset(pool.usedLength());
                recvRing = MessageRing.attach(bufferRegion.buffer(), at);
                sendRing = MessageRing.attach(bufferRegion.buffer(),
                    at + MessageRingDescriptor.ringLength(recvRing.capacity()));
            }
            pool.addCapabilities(serverCapabilities(config)
                | (recvRing != null ? BufferRegionDescriptor.CAPABILITY_SERVER_MESSAGE_RINGS : 0));
            if (first.type() == EventType.EXCHANGE_PROTO_VERSION) {
                // Acknowledged only now: a memfd client sees our capability bits as soon as its handshake returns.
                control.send(ControlEvent.empty(EventType.ACK_SHARE_MEMORY, control.version()));
            }
            final Session session = new Session(config, false, control, queueRegion, bufferRegion, pool, sendQueue,
                recvQueue, sendRing, recvRing, peer.pid(), handler, listener, executor);
            session.start();
            return session;
        } catch (final ShmIpcException | NativeException | RuntimeException e) {
            throw abandon(socket, queueRegion, bufferRegion, e, "handshake failed: ");
        } catch (final InternalError e) {
            // HotSpot's report of SIGBUS on mapped memory: a file-mode client truncated its region after we mapped
            // it. Without this the accepted socket and both mappings would outlive the failed handshake.
            throw abandon(socket, queueRegion, bufferRegion, new ProtocolViolationException("the client's shared "
                + "memory faulted on access during the handshake (" + e.getMessage() + "): it truncated or removed "
                + "its region"), "handshake failed: ");
        }
    }

    /** The extensions a shmipc-java client advertises in the region it lays out (docs/PROTOCOL.md 1 and 9). */
    static int clientCapabilities(final SessionConfig config) {
        return (config.futexWake() ? BufferRegionDescriptor.CAPABILITY_CLIENT_FUTEX_WAKE : 0)
            | (config.halfClose() ? BufferRegionDescriptor.CAPABILITY_CLIENT_HALF_CLOSE : 0);
    }

    /** The extensions a shmipc-java server ORs into the client's region once it has mapped it. */
    static int serverCapabilities(final SessionConfig config) {
        return (config.futexWake() ? BufferRegionDescriptor.CAPABILITY_SERVER_FUTEX_WAKE : 0)
            | (config.halfClose() ? BufferRegionDescriptor.CAPABILITY_SERVER_HALF_CLOSE : 0)
            | BufferRegionDescriptor.CAPABILITY_SERVER_TAGGED_HEADS;
    }

    /** A handshake that failed: gives back the socket and whatever regions exist, and says why. */
    private static ShmIpcException abandon(final UnixSocket socket, final SharedRegion queueRegion,
                                           final SharedRegion bufferRegion, final Exception cause,
                                           final String what) {
        socket.close();
        if (queueRegion != null) {
            queueRegion.release();
        }
        if (bufferRegion != null) {
            bufferRegion.release();
        }
        return cause instanceof ShmIpcException shm ? shm : new ShmIpcException(what + cause.getMessage(), cause);
    }

    private static void checkPeerUid(final SessionConfig config, final PeerCredentials peer) throws ShmIpcException {
        if (!config.isPeerUidAllowed(peer.uid(), Posix.getuid())) {
            throw new ShmIpcException("peer process " + peer.pid() + " runs as uid " + peer.uid()
                + ", which is not allowed (we are uid " + Posix.getuid() + "; see SessionConfig.allowedPeerUids and allowOwnUid)");
        }
    }

    private static ControlEvent expect(final ControlChannel control, final EventType type, final int timeoutMillis)
        throws ShmIpcException, NativeException {
        final ControlEvent event = control.receive(timeoutMillis);
        if (event == null) {
            throw new ShmIpcException("peer closed the connection during the handshake, waiting for " + type);
        }
        if (event.type() != type) {
            throw new ProtocolViolationException("expected " + type + " in the handshake, got " + event.type());
        }
        return event;
    }
}
