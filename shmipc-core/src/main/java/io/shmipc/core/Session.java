package io.shmipc.core;

import io.shmipc.core.buffer.BufferPool;
import io.shmipc.core.buffer.SliceCache;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.core.layout.BufferRegionDescriptor;
import io.shmipc.core.layout.EventHeaderDescriptor;
import io.shmipc.core.layout.QueueDescriptor;
import io.shmipc.core.queue.EventQueue;
import io.shmipc.core.queue.MessageQueue;
import io.shmipc.core.queue.MessageRing;
import io.shmipc.core.region.SharedRegion;
import io.shmipc.nativeio.Futex;
import io.shmipc.nativeio.NativeException;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.WriteTimeoutException;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A ShmIPC session between two processes: one control connection, a queue region and a buffer region, carrying
 * any number of {@link Stream}s.
 *
 * <p>Receiving: whoever waits for data drains the receive queue itself for a bounded spin (a reader in
 * {@link StreamReader}, or the session's receive thread); when nobody spins, the receive thread parks on a futex
 * on the ring's working flag. Sending: after putting an element, the sender wakes the peer only when it flips
 * that flag from 0 to 1, with a futex wake for a shmipc-java peer and a Polling event otherwise.
 *
 * <p>The session ends on {@link #close()}, on end of stream or error on the control connection, when the peer
 * process dies, or when the peer violates the protocol; every waiting call then fails with
 * {@link SessionClosedException} carrying the reason.
 */
public final class Session implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Session.class.getName());
    private static final Cleaner UNMAPPER = Cleaner.create();
    private static final AtomicInteger SESSION_IDS = new AtomicInteger();
    private static final int DRAIN_BATCH = 256;
    private static final int SPINS_PER_YIELD = 128;
    /** Polls a waiting reader spins before it reads the clock for its timeout: fewer than come before a yield. */
    static final int SPINS_BEFORE_CLOCK = 32;
    /** Polls of the peer's working flag before a wake-up: about a microsecond, what a peer needs to start polling. */
    private static final int WAKE_GRACE_SPINS = 64;
    private static final long DRAIN_ON_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SHUTDOWN_WAIT_SECONDS = 3;
    private static final long INLINE_ROOM_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final int REGION_GONE = Integer.MIN_VALUE;
    /** Buffer offset of a half-close element: none (offset 0 is the region header, never a slice). */
    private static final int HALF_CLOSE_BUFFER_OFFSET = 0;
    private static final long HALF_CLOSE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final VarHandle CLOSE_CAUSE;

    static {
        try {
            CLOSE_CAUSE = MethodHandles.lookup().findVarHandle(Session.class, "closeCause", Throwable.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final SessionConfig config;
    private final boolean client;
    private final ControlChannel control;
    private final SharedRegion queueRegion;
    private final SharedRegion bufferRegion;
    private final BufferPool pool;
    private final SliceCache sliceCache;
    /** The reference rings: their working flags are the wake-up protocol even when messages go through rings. */
    private final EventQueue sendQueue;
    private final EventQueue recvQueue;
    /** Where messages go and come from: the reference rings, or the message rings between shmipc-java peers. */
    private final MessageQueue sendMessages;
    private final MessageQueue recvMessages;
    /** The message ring we send on, when both sides use them (docs/PROTOCOL.md 12); null otherwise. */
    private final MessageRing sendRing;
    /** Messages up to this many bytes travel in the send ring itself; -1 without rings. */
    private final int maxRingDataLength;
    /**
     * The next record of the receive ring waits for room: no slice was free to copy it to and readers hold the
     * configured bound of heap copies. Cleared when a reader gives a slice or a copy back; nothing is drained meanwhile.
     */
    private volatile boolean ringStalled;
    private final int peerPid;
    private final int peerFutexCapability;
    private final int peerHalfCloseCapability;
    private final StreamHandler handler;
    private final StreamListener listener;
    /** The thread inside {@link #poll()}; read only by threads asking whether it is them. */
    private Thread drainer;
    private final AtomicBoolean endAnnounced = new AtomicBoolean();
    /** Parked readers the receive thread's drains woke since it last gave up the CPU; its own, so plain. */
    private int readersWoken;
    private final Executor handlerExecutor;
    private final SessionMetrics metrics;
    private final ConcurrentHashMap<Integer, Stream> streams = new ConcurrentHashMap<>();
    /**
     * The stream data was last delivered to. Written by the threads that deliver (the draining thread; the control
     * thread for inline data) without ordering: any value read is checked before use.
     */
    private Stream lastDelivered;
    private final AtomicInteger nextStreamId = new AtomicInteger(2);
    private final AtomicBoolean consumerBusy = new AtomicBoolean();
    private final AtomicInteger spinners = new AtomicInteger();
    private final ConcurrentLinkedQueue<ControlEvent> controlHandoffs = new ConcurrentLinkedQueue<>();
    private final ChainCollector collector = new ChainCollector();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch shutdownDone = new CountDownLatch(1);
    private volatile Thread closingThread;
    /** Readers reading the buffer region in place right now ({@link #retainRegion()}); REGION_GONE after close. */
    private final AtomicInteger regionViews = new AtomicInteger();
    private final List<Runnable> closeListeners = new ArrayList<>();
    private final Thread receiver;
    private final Thread controlReader;
    private final long parkNanos;
    private final long flagAddress;
    private volatile boolean peerFutexKnown;
    /**
     * A client whose server may advertise tagged free-list heads after the handshake returned (file mode has no
     * acknowledgement): the receive thread switches the heads once it sees the bit (docs/PROTOCOL.md 8).
     */
    private boolean mayTagHeads;
    private volatile boolean peerHalfCloseKnown;
    /** Who handles the peer's HotRestart (client) or HotRestartAck (server); null: none, the event is only logged. */
    private volatile HotRestartListener hotRestartListener;
    private volatile Throwable closeCause;
    /** Set by shutdown once no thread can drain any more: from then on the regions close when readers are done. */
    private volatile boolean regionsDrained;

    Session(final SessionConfig config, final boolean client, final ControlChannel control,
            final SharedRegion queueRegion, final SharedRegion bufferRegion, final BufferPool pool,
            final EventQueue sendQueue, final EventQueue recvQueue, final MessageRing sendRing,
            final MessageRing recvRing, final int peerPid,
            final StreamHandler handler, final StreamListener listener, final Executor handlerExecutor) {
        this.name = (client ? "client-" : "server-") + SESSION_IDS.incrementAndGet() + "(peer pid " + peerPid + ")";
        this.config = config;
        this.client = client;
        this.control = control;
        this.queueRegion = queueRegion;
        this.bufferRegion = bufferRegion;
        this.pool = pool;
        this.sliceCache = new SliceCache(pool);
        this.sendQueue = sendQueue;
        this.recvQueue = recvQueue;
        this.sendRing = sendRing;
        this.sendMessages = sendRing != null ? sendRing : sendQueue;
        this.recvMessages = recvRing != null ? recvRing : recvQueue;
        this.maxRingDataLength = sendRing != null
            ? Math.min(config.maxRingDataLength(), sendRing.maxDataLength()) : -1;
        this.metrics = new SessionMetrics(sendMessages);
        this.peerPid = peerPid;
        this.handler = handler;
        this.listener = listener;
        this.handlerExecutor = handlerExecutor;
        this.peerFutexCapability = client ? BufferRegionDescriptor.CAPABILITY_SERVER_FUTEX_WAKE
            : BufferRegionDescriptor.CAPABILITY_CLIENT_FUTEX_WAKE;
        this.peerHalfCloseCapability = client ? BufferRegionDescriptor.CAPABILITY_SERVER_HALF_CLOSE
            : BufferRegionDescriptor.CAPABILITY_CLIENT_HALF_CLOSE;
        this.parkNanos = config.parkTimeout().toNanos();
        this.mayTagHeads = client;
        this.flagAddress = recvQueue.workingFlagAddress();
        this.receiver = new Thread(this::receiveLoop, "shmipc-recv-" + name);
        this.controlReader = new Thread(this::controlLoop, "shmipc-ctl-" + name);
        receiver.setDaemon(true);
        controlReader.setDaemon(true);
        // The address ranges are released only once nothing (no stream, view or thread) can reach this session.
        final SharedRegion q = queueRegion;
        final SharedRegion b = bufferRegion;
        UNMAPPER.register(this, () -> {
            q.release();
            b.release();
        });
    }

    /** Connects to a server's control socket and performs the handshake; see {@link SessionConfig}. */
    public static Session connect(final Path socketPath, final SessionConfig config) throws ShmIpcException {
        return Handshake.connect(socketPath, config);
    }

    void start() {
        recvQueue.markWorkingByConsumer();
        controlReader.start();
        receiver.start();
        LOG.log(System.Logger.Level.DEBUG, () -> "session " + name + " started: " + config);
    }

    public String name() {
        return name;
    }

    public boolean isClient() {
        return client;
    }

    public SessionConfig config() {
        return config;
    }

    public SessionMetrics metrics() {
        return metrics;
    }

    public MemoryType memoryType() {
        return bufferRegion.type();
    }

    /** Protocol version agreed in the handshake (2: file regions, 3: memfd). */
    public int protocolVersion() {
        return control.version();
    }

    /** True when the peer advertised futex wake-ups (a shmipc-java peer) and we use them. */
    public boolean usesFutexWake() {
        return peerUsesFutex();
    }

    /**
     * True when every free list of the buffer region has a tagged head (docs/PROTOCOL.md 8): both peers are
     * shmipc-java, and allocation is safe from the free list's ABA race.
     */
    public boolean usesTaggedFreeLists() {
        for (int list = 0; list < pool.listCount(); list++) {
            if (!pool.isHeadTagged(list)) {
                return false;
            }
        }
        return true;
    }

    public int peerPid() {
        return peerPid;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Why the session ended, or null while it is open. */
    public Throwable closeCause() {
        return closeCause;
    }

    public int activeStreams() {
        return streams.size();
    }

    /**
     * Data bytes of buffer-region slices handed out now, by either side: messages sent and not yet released by their
     * reader, or being written. Zero when both sides are done with everything sent, so a graceful shutdown can wait
     * for it (with a deadline) before the session goes and takes unread data with it. Zero once closed.
     */
    public long bufferBytesInUse() {
        return closed.get() ? 0 : pool.inUseBytes();
    }

    BufferPool pool() {
        return pool;
    }

    /** Opens a new stream (client side). Sends nothing until the first flush. */
    public Stream openStream() throws ShmIpcException {
        checkOpen();
        if (!client) {
            throw new IllegalStateException("streams are opened by the client side of a session");
        }
        final int id = nextStreamId.getAndIncrement();
        final Stream stream = new Stream(this, id);
        streams.put(id, stream);
        metrics.streamsOpened.increment();
        return stream;
    }

    /** Runs {@code listener} once when the session closes (immediately if it already has). */
    public void onClose(final Runnable listener) {
        synchronized (closeListeners) {
            if (!closed.get()) {
                closeListeners.add(listener);
                return;
            }
        }
        listener.run();
    }

    // ---------------------------------------------------------------- sending

    int allocate(final int wanted) throws ShmIpcException {
        try {
            return sliceCache.allocate(wanted);
        } catch (final ProtocolViolationException e) {
            throw fail(e);
        }
    }

    int capacityOf(final int slice) throws ShmIpcException {
        try {
            return pool.capacityOf(slice);
        } catch (final ProtocolViolationException e) {
            throw fail(e);
        }
    }

    void onAllocationFailure() {
        metrics.allocationFailures.increment();
    }

    /** Gives back a slice we allocated and never sent. */
    void freeOwnSlice(final int slice) {
        try {
            sliceCache.free(slice);
        } catch (final ProtocolViolationException e) {
            fail(e);
        }
        resumeStalledRing();
    }

    /** A reader is about to read the buffer region in place; fails once the region was given back. */
    void retainRegion() throws SessionClosedException {
        int views;
        do {
            views = regionViews.get();
            if (views == REGION_GONE) {
                throw new SessionClosedException("session " + name + " is closed and its memory given back",
                    closeCause);
            }
        } while (!regionViews.compareAndSet(views, views + 1));
    }

    /** Ends a {@link #retainRegion()}. */
    void releaseRegion() {
        if (regionViews.decrementAndGet() == 0 && closed.get()) {
            closeRegionsOnceReleased();
        }
    }

    /** Gives back a received slice the reader is done with. */
    void releaseSlice(final int slice) {
        metrics.slicesReleased.increment();
        if (closed.get()) {
            closeRegionsOnceReleased();
            return;
        }
        try {
            sliceCache.free(slice);
        } catch (final ProtocolViolationException e) {
            fail(e);
        }
        resumeStalledRing();
    }

    /** Room was made for received data: a stalled receive ring may go on. */
    private void resumeStalledRing() {
        if (ringStalled) {
            ringStalled = false;
            wakeReceiver();
        }
    }

    /** Nothing the draining thread could do now: no message (or a stalled ring) and no control event to apply. */
    private boolean nothingToDrain() {
        return ringStalled || (recvMessages.isEmpty() && controlHandoffs.isEmpty());
    }

    /** The largest message {@link #publishData} takes; -1 when messages do not travel in a ring. */
    int maxRingDataLength() {
        return maxRingDataLength;
    }

    /**
     * True when messages travel through message rings (both sides are shmipc-java and met over memfd,
     * docs/PROTOCOL.md 12) rather than through the reference queue.
     */
    public boolean usesMessageRings() {
        return sendRing != null;
    }

    /**
     * Puts a small message's bytes in the send ring itself (waiting for room up to the write timeout) and wakes the
     * peer. Only while {@link #maxRingDataLength()} allows it; the caller keeps and frees the slice it wrote into.
     */
    void publishData(final int streamId, final DirectBuffer src, final int index, final int length)
        throws ShmIpcException {
        try {
            if (!sendRing.offerData(streamId, src, index, length)) {
                waitForRoom(streamId, () -> sendRing.offerData(streamId, src, index, length));
            }
        } catch (final ProtocolViolationException e) {
            throw fail(e);
        }
        afterPublish(streamId);
    }

    /** Puts a message chain in the send queue (waiting for room up to the write timeout) and wakes the peer. */
    void publish(final int streamId, final int firstSlice, final long bytes) throws ShmIpcException {
        try {
            if (!sendMessages.offerMessage(streamId, firstSlice, bytes)) {
                waitForRoom(streamId, () -> sendMessages.offerMessage(streamId, firstSlice, bytes));
            }
        } catch (final ProtocolViolationException e) {
            throw fail(e);
        } catch (final ShmIpcException e) {
            try {
                pool.freeChain(firstSlice);
            } catch (final ProtocolViolationException ignored) {
                // the session is failing anyway
            }
            throw e;
        }
        afterPublish(streamId);
    }

    private void afterPublish(final int streamId) throws ShmIpcException {
        if (closed.get()) {
            // The queue may already have been swapped for zero pages: do not report a send that went nowhere.
            throw new SessionClosedException("session " + name + " closed while sending on stream " + streamId
                + "; the message may not have been delivered", closeCause);
        }
        if (wakePeer()) {
            metrics.sendsThatWoke.increment();
        }
    }

    /** One attempt to put a message in the send queue; false when it is full. */
    @FunctionalInterface
    private interface QueueOffer {
        boolean tryOffer() throws ProtocolViolationException;
    }

    /** Retries {@code offer} until the send queue takes it, failing once the write timeout passed. */
    private void waitForRoom(final int streamId, final QueueOffer offer) throws ShmIpcException {
        metrics.queueFullWaits.increment();
        final long timeout = config.writeTimeout().toNanos();
        final long deadline = System.nanoTime() + timeout;
        while (!offer.tryOffer()) {
            checkOpen();
            if (System.nanoTime() - deadline > 0) {
                throw new ShmTimeoutException("send queue full for " + TimeUnit.NANOSECONDS.toMillis(timeout)
                    + " ms: the peer is not consuming (stream " + streamId + ")");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new ShmIpcException("interrupted while waiting for room in the send queue (stream " + streamId
                    + ")");
            }
            wakePeer();
            LockSupport.parkNanos(20_000);
        }
    }

    /**
     * Sends a message inline on the control connection, in events of at most the configured size, within the write
     * timeout. A peer that reads nothing until then gets a timeout if none of the message went out; once part of it
     * is on the wire the session ends, since the peer would otherwise take a cut message for a whole one.
     */
    void sendFallback(final int streamId, final byte[] data, final int offset, final int length)
        throws ShmIpcException {
        checkOpen();
        final int chunkLimit = config.maxFallbackEventBytes();
        final byte[] header = new byte[EventHeaderDescriptor.HEADER_LENGTH + ControlEvent.FALLBACK_HEADER_LENGTH];
        final UnsafeBuffer headerView = new UnsafeBuffer(header);
        final long deadline = System.nanoTime() + config.writeTimeout().toNanos();
        int from = offset;
        int left = length;
        try {
            while (left > 0) {
                final int chunk = Math.min(left, chunkLimit);
                ControlEvent.fallbackDataHeader(headerView, control.version(), streamId, QueueDescriptor.STATUS_OPEN,
                    chunk);
                control.send(header, data, from, chunk, deadline);
                metrics.fallbackWrites.increment();
                metrics.fallbackBytesSent.add(chunk);
                from += chunk;
                left -= chunk;
            }
        } catch (final WriteTimeoutException e) {
            final String what = "inline write of " + length + " bytes on stream " + streamId + " timed out after "
                + config.writeTimeout().toMillis() + " ms: the peer is not reading its control connection";
            if (left == length && e.bytesWritten() == 0) {
                throw new ShmTimeoutException(what);
            }
            throw fail(new SessionClosedException(what + ", and " + (length - left + e.bytesWritten())
                + " bytes had gone out", e));
        } catch (final NativeException e) {
            throw fail(new SessionClosedException("control connection failed while sending fallback data: "
                + e.getMessage(), e));
        }
        metrics.inlineMessagesSent.increment();
        metrics.inlineBytesSent.add(length);
    }

    /**
     * Wakes the peer's receiver if it is not already draining; true if it had to. A peer that is about to poll by
     * itself (a caller that just sent its request and is on its way to wait for our answer) is given a moment to
     * raise its flag first: a wake-up it does not need would cost us a system call and, worse, put its receive thread
     * on the CPU its caller spins on.
     */
    boolean wakePeer() throws ShmIpcException {
        // Our element must be visible before we read the flag, or a peer lowering it could miss both (Dekker).
        VarHandle.fullFence();
        for (int i = 0; i < WAKE_GRACE_SPINS; i++) {
            if (sendQueue.workingFlag() != 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        if (!sendQueue.markWorking()) {
            return false;
        }
        if (peerUsesFutex()) {
            Futex.wake(sendQueue.workingFlagAddress(), 1);
            metrics.futexWakesSent.increment();
            return true;
        }
        try {
            control.sendPolling();
            metrics.pollingEventsSent.increment();
            return true;
        } catch (final NativeException e) {
            throw fail(new SessionClosedException("control connection failed while waking the peer: "
                + e.getMessage(), e));
        }
    }

    private boolean peerUsesFutex() {
        if (peerFutexKnown) {
            return true;
        }
        if (config.futexWake() && (pool.capabilities() & peerFutexCapability) != 0) {
            peerFutexKnown = true;
            return true;
        }
        return false;
    }

    /** A stream was closed locally: forget it and, if it was open, tell the peer. */
    void onStreamClosed(final Stream stream, final boolean notifyPeer) {
        streams.remove(stream.id(), stream);
        metrics.streamsClosed.increment();
        if (!notifyPeer || closed.get()) {
            return;
        }
        try {
            // A stream whose data went inline must close inline too, or the close could overtake the data.
            if (stream.fallbackMode || !sendMessages.offer(stream.id(), 0, QueueDescriptor.STATUS_CLOSED)) {
                control.send(ControlEvent.streamClose(control.version(), stream.id()));
                return;
            }
            wakePeer();
        } catch (final ProtocolViolationException e) {
            fail(e);
        } catch (final NativeException e) {
            fail(new SessionClosedException("control connection failed while closing stream " + stream.id(), e));
        } catch (final ShmIpcException e) {
            // already failing: the session's end closes the peer's stream too
        }
    }

    /**
     * True when streams of this session can shut down their output alone ({@link Stream#shutdownOutput()}): both
     * sides advertised the half-close extension (docs/PROTOCOL.md section 9), so the peer reads the end marker as
     * such. False with a reference peer (shmipc-go, shmipc-rs) or when either side turned it off.
     *
     * <p>A file-mode (protocol v2) client may connect before the server has mapped the regions and set its bit; the
     * handshake has no acknowledgement there. Until the server shows that it runs (it consumed or sent an element),
     * this waits for its bit, at most the handshake timeout.
     */
    public boolean supportsHalfClose() {
        if (peerAdvertisedHalfClose()) {
            return true;
        }
        if (!config.halfClose() || !client || control.version() != EventHeaderDescriptor.VERSION_FILE) {
            return false;
        }
        final long deadline = System.nanoTime() + config.handshakeTimeout().toNanos();
        while (!closed.get() && System.nanoTime() - deadline < 0) {
            // Evidence first: a shmipc-java server sets its bit before it starts, so once it runs the bit shows.
            // tail - size underestimates head, so a positive value means the server consumed something.
            final boolean serverRuns = sendQueue.tail() - sendQueue.size() > 0 || recvQueue.tail() > 0;
            if (peerAdvertisedHalfClose()) {
                return true;
            }
            if (serverRuns) {
                return false;
            }
            LockSupport.parkNanos(HALF_CLOSE_POLL_NANOS);
        }
        return peerAdvertisedHalfClose();
    }

    /** Both sides advertise half-close, as far as the region header says now. */
    private boolean peerAdvertisedHalfClose() {
        if (peerHalfCloseKnown) {
            return true;
        }
        if (config.halfClose() && !closed.get() && (pool.capabilities() & peerHalfCloseCapability) != 0) {
            peerHalfCloseKnown = true;
            return true;
        }
        return false;
    }

    /** Fails with the reason when {@link #supportsHalfClose()} is false; sends nothing. */
    void requireHalfClose(final Stream stream) throws ShmIpcException {
        checkOpen();
        if (supportsHalfClose()) {
            return;
        }
        // The wait for a file-mode server's bit may have ended because the session did: say that instead.
        checkOpen();
        throw new UnsupportedOperationException("stream " + stream.id() + ": cannot shut down its output alone: "
            + (config.halfClose()
                ? "the peer (pid " + peerPid + ") has no half-close: ShmIPC v0.2.0 peers only close whole streams"
                    + " (a shmipc-java peer may have it turned off)"
                : "half-close is turned off in this session's configuration (SessionConfig.halfClose, "
                    + "SHMIPC_HALF_CLOSE)")
            + "; use close()");
    }

    /**
     * Tells the peer that {@code stream} sends no more data, after everything already sent on it: a queue element
     * with status 2, or for a stream in fallback mode (or a full queue) a FallbackData event with status 2 and no
     * payload, so that the end cannot overtake data still in the socket.
     */
    void sendHalfClose(final Stream stream) throws ShmIpcException {
        checkOpen();
        try {
            if (stream.fallbackMode || !sendMessages.offer(stream.id(), HALF_CLOSE_BUFFER_OFFSET,
                QueueDescriptor.STATUS_HALF_CLOSED)) {
                control.send(ControlEvent.halfClose(control.version(), stream.id()));
                return;
            }
        } catch (final ProtocolViolationException e) {
            throw fail(e);
        } catch (final NativeException e) {
            throw fail(new SessionClosedException("control connection failed while shutting down the output of "
                + "stream " + stream.id() + ": " + e.getMessage(), e));
        }
        if (closed.get()) {
            throw new SessionClosedException("session " + name + " closed while shutting down the output of stream "
                + stream.id() + "; the peer may not have been told", closeCause);
        }
        wakePeer();
    }

    /**
     * The peer shut its output on a stream (a status-2 element or event, with both sides advertising half-close).
     * The marker carries no data; a server takes an unknown id as a new stream whose input has ended.
     */
    private void onPeerHalfClose(final int streamId, final long carried) throws ProtocolViolationException {
        if (carried != 0) {
            throw new ProtocolViolationException("half-close of stream " + streamId + " carries " + carried
                + " (buffer offset or payload bytes); the end marker carries no data");
        }
        final Stream stream = streamFor(streamId, QueueDescriptor.STATUS_HALF_CLOSED);
        if (stream != null) {
            stream.onPeerOutputShutdown();
        }
    }

    // ---------------------------------------------------------------- receiving

    /** How many polls a waiting reader may spin; none when enough threads already spin for the CPUs. */
    int spinBudget() {
        return spinners.get() >= CPUS ? 0 : config.spinIterations();
    }

    long parkNanos() {
        return parkNanos;
    }

    /** A thread starts polling the receive queue itself: the peer need not wake anybody meanwhile. */
    void enterSpin() {
        if (spinners.getAndIncrement() == 0) {
            recvQueue.markWorkingByConsumer();
        }
    }

    /** The last spinning thread stops polling: from now on the peer must wake the receive thread. */
    void exitSpin() {
        if (spinners.decrementAndGet() == 0) {
            recvQueue.markNotWorking();
            // Same cache line as the flag, just made ours again by the fence: the head costs nothing more now.
            publishConsumedHead();
            // Anything published before the flag went down would otherwise wait for a wake-up nobody sends.
            if (!nothingToDrain() && recvQueue.markWorking()) {
                Futex.wake(flagAddress, 1);
            }
        }
    }

    /** Drains the receive queue if no other thread is doing so. Returns the number of elements handled. */
    int poll() {
        // Read-only check first, so spinning threads do not bounce the lock's cache line while nothing arrives.
        // A stale head can only make the queue look non-empty, never empty when it is not.
        try {
            if (nothingToDrain()) {
                if (recvMessages.headUnpublished()) {
                    // Nothing to do: the moment to tell the peer what we consumed, off the delivery path.
                    publishConsumedHead();
                }
                return 0;
            }
        } catch (final InternalError e) {
            fail(regionFault(e));
            return 0;
        }
        if (!consumerBusy.compareAndSet(false, true)) {
            return 0;
        }
        drainer = Thread.currentThread();
        try {
            if (closed.get()) {
                return 0;
            }
            recvMessages.publishHead();
            int handled = recvMessages.drain(collector, DRAIN_BATCH);
            if (!controlHandoffs.isEmpty()) {
                handled += drainHandoffs();
            }
            if (Thread.currentThread() == receiver) {
                // Its deliveries are made (listeners ran, readers were unparked): nobody waits behind this store.
                recvMessages.publishHead();
            }
            return handled;
        } catch (final ProtocolViolationException e) {
            fail(e);
            return 0;
        } catch (final InternalError e) {
            fail(regionFault(e));
            return 0;
        } finally {
            if (closed.get()) {
                // A listener (or a violation found while draining) ended the session on this thread.
                announceEndToListener();
            }
            drainer = null;
            // Release, not volatile: the next drainer's compare-and-set is what orders it after us.
            consumerBusy.setRelease(false);
        }
    }

    /** Publishes the receive queue's head unless another thread is draining (it publishes before it drains). */
    private void publishConsumedHead() {
        if (consumerBusy.compareAndSet(false, true)) {
            try {
                if (!closed.get()) {
                    recvMessages.publishHead();
                }
            } finally {
                consumerBusy.setRelease(false);
            }
        }
    }

    /** On the draining thread, about to wake a parked reader: tells the peer what we consumed so far. */
    void publishConsumedHeadWhileDraining() {
        if (drainer == Thread.currentThread()) {
            recvMessages.publishHead();
        }
    }

    /** Called by the draining thread after it unparked a reader. */
    void readerWoken() {
        if (Thread.currentThread() == receiver) {
            readersWoken++;
        }
    }

    /** True on the thread draining the receive queue right now, e.g. inside a {@link StreamListener}. */
    boolean isDrainingThread() {
        return drainer == Thread.currentThread();
    }

    /**
     * Whether {@code thread} is draining this session's queue right now (delivering data, running a
     * {@link StreamListener}): while it does, nothing else arrives on the session, so it must not wait for data of
     * this session, which it alone could deliver.
     */
    public boolean isDrainedBy(final Thread thread) {
        return thread != null && drainer == thread;
    }

    /**
     * Event-driven handlers learn of the session's end the way they learn of data, once, from a thread that holds
     * the drain: after the last drain, never inside a listener call.
     */
    private void announceEndToListener() {
        if (endAnnounced.compareAndSet(false, true)) {
            for (final Stream stream : streams.values()) {
                final StreamListener streamListener = stream.listener();
                if (streamListener != null) {
                    runListener(streamListener, stream);
                }
            }
        }
    }

    /** Runs a stream's listener; what it throws closes that stream only. */
    void runListener(final StreamListener streamListener, final Stream stream) {
        try {
            streamListener.onReadable(stream);
        } catch (final RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener of stream " + stream.id() + " in session " + name
                + " failed; closing the stream", e);
            stream.close();
        }
    }

    /**
     * Applies events the control thread received. Everything the peer put in the queue before sending the event
     * is drained first, so that inline data keeps its place after the queued data of the same stream.
     */
    private int drainHandoffs() throws ProtocolViolationException {
        int handled = 0;
        ControlEvent event;
        while (!controlHandoffs.isEmpty()) {
            while (recvMessages.drain(collector, DRAIN_BATCH) > 0) {
                recvMessages.publishHead();
                handled++;
            }
            if (ringStalled) {
                // The event must not overtake the message the ring holds back.
                return handled;
            }
            event = controlHandoffs.poll();
            handled++;
            if (event.type() == EventType.FALLBACK_DATA) {
                onFallbackData(event);
            } else {
                final Stream stream = streams.get(event.bodyInt(0));
                if (stream != null) {
                    stream.onRemoteClose();
                }
            }
        }
        return handled;
    }

    private void onFallbackData(final ControlEvent event) throws ProtocolViolationException {
        final byte[] body = event.body();
        final int streamId = event.bodyInt(ControlEvent.FALLBACK_STREAM_ID_OFFSET);
        final int status = event.bodyInt(ControlEvent.FALLBACK_STATUS_OFFSET) & QueueDescriptor.STATUS_STATE_MASK;
        if (status > QueueDescriptor.STATUS_HALF_CLOSED) {
            throw new ProtocolViolationException("fallback data for stream " + streamId + " with state " + status);
        }
        if (status == QueueDescriptor.STATUS_HALF_CLOSED && peerAdvertisedHalfClose()) {
            onPeerHalfClose(streamId, body.length - ControlEvent.FALLBACK_HEADER_LENGTH);
            return;
        }
        metrics.fallbackReads.increment();
        final byte[] payload = java.util.Arrays.copyOfRange(body, ControlEvent.FALLBACK_HEADER_LENGTH, body.length);
        final Stream stream = streamFor(streamId, QueueDescriptor.STATUS_OPEN);
        if (stream == null) {
            inlineConsumed(payload.length);
            return;
        }
        if (stream.isPeerOutputShutdown()) {
            throw new ProtocolViolationException("peer sent inline data on stream " + streamId
                + " after it shut its output");
        }
        stream.fallbackMode = true;
        stream.inbound.addHeap(payload);
        metrics.messagesReceived.increment();
        metrics.bytesReceived.add(payload.length);
        stream.onDelivery();
    }

    /** The stream an element is for; a server accepts a new id as a new stream. Null if there is none. */
    private Stream streamFor(final int streamId, final int state) {
        final Stream last = lastDelivered;
        if (last != null && last.id() == streamId && !last.isClosed()) {
            // Messages come in runs on one stream: no map lookup (and no boxing of the id) for the usual case.
            return last;
        }
        Stream stream = streams.get(streamId);
        if (stream == null && !client && state != QueueDescriptor.STATUS_CLOSED && !closed.get()) {
            stream = new Stream(this, streamId);
            streams.put(streamId, stream);
            metrics.streamsOpened.increment();
            if (listener != null) {
                stream.listen(listener);
            } else {
                final Stream accepted = stream;
                handlerExecutor.execute(() -> handler.onStream(accepted));
            }
        }
        lastDelivered = stream;
        return stream;
    }

    /** Turns queue elements into stream data, validating each chain. */
    private final class ChainCollector implements MessageQueue.Handler, BufferPool.SliceVisitor {
        /**
         * The chain being validated, as (slice, data index, length) triples copied out of shared memory: the stream
         * gets them only once the whole chain is valid, so a reader never consumes (or frees) part of a bad chain.
         */
        private final IntArrayList chain = new IntArrayList();

        @Override
        public void onElement(final int streamId, final int bufferOffset, final int status)
            throws ProtocolViolationException {
            final int state = status & QueueDescriptor.STATUS_STATE_MASK;
            if (state > QueueDescriptor.STATUS_HALF_CLOSED) {
                throw new ProtocolViolationException("queue element for stream " + streamId + " has state " + state);
            }
            if (state == QueueDescriptor.STATUS_CLOSED) {
                final Stream stream = streams.get(streamId);
                if (stream != null) {
                    stream.onRemoteClose();
                }
                return;
            }
            if (state == QueueDescriptor.STATUS_HALF_CLOSED && peerAdvertisedHalfClose()) {
                onPeerHalfClose(streamId, bufferOffset);
                return;
            }
            final Stream stream = streamFor(streamId, state);
            if (stream == null) {
                // Data for a stream we already closed: give the slices back.
                pool.freeChain(bufferOffset);
                return;
            }
            if (stream.isPeerOutputShutdown()) {
                pool.freeChain(bufferOffset);
                throw new ProtocolViolationException("peer sent data on stream " + streamId
                    + " after it shut its output");
            }
            chain.clear();
            final long bytes = pool.visitChain(bufferOffset, this);
            for (int i = 0; i < chain.size(); i += 3) {
                metrics.slicesReceived.increment();
                stream.inbound.addSlice(chain.getInt(i), chain.getInt(i + 1), chain.getInt(i + 2));
            }
            chain.clear();
            metrics.messagesReceived.increment();
            metrics.bytesReceived.add(bytes);
            stream.onDelivery();
        }

        /**
         * A message the peer put in the ring itself: copied into the stream's local buffer, or when that is full into a
         * slice of our own (or, with none free, to the heap), so the ring's space is free again at once and readers
         * see it as any other message.
         */
        @Override
        public boolean onData(final int streamId, final DirectBuffer buffer, final int index, final int length)
            throws ProtocolViolationException {
            final Stream stream = streamFor(streamId, QueueDescriptor.STATUS_OPEN);
            if (stream == null || length == 0) {
                return true;
            }
            if (stream.isPeerOutputShutdown()) {
                throw new ProtocolViolationException("peer sent data on stream " + streamId
                    + " after it shut its output");
            }
            if (!stream.inbound.addLocal(buffer, index, length) && !copyToSliceOrHeap(stream, buffer, index, length)) {
                return false;
            }
            metrics.messagesReceived.increment();
            metrics.bytesReceived.add(length);
            stream.onDelivery();
            return true;
        }

        /**
         * Copies a ring message the local buffer did not take into a slice of our own, or with none free to the heap;
         * false when neither has room (the ring then stays stalled).
         */
        private boolean copyToSliceOrHeap(final Stream stream, final DirectBuffer buffer, final int index,
                                          final int length) throws ProtocolViolationException {
            int slice = sliceFor(length);
            if (slice == BufferPool.NO_SLICE) {
                // Raised before looking again, so that a reader giving a slice or a copy back from now on sees it.
                ringStalled = true;
                slice = sliceFor(length);
                if (slice == BufferPool.NO_SLICE && !roomOnHeap(length)) {
                    metrics.inlineStalls.increment();
                    return false;
                }
                ringStalled = false;
            }
            if (slice != BufferPool.NO_SLICE) {
                final int dataIndex = BufferPool.dataIndex(slice);
                pool.region().putBytes(dataIndex, buffer, index, length);
                pool.setSliceSize(slice, length);
                metrics.slicesReceived.increment();
                stream.inbound.addSlice(slice, dataIndex, length);
            } else {
                final byte[] copy = new byte[length];
                buffer.getBytes(index, copy);
                stream.inbound.addHeap(copy);
            }
            return true;
        }

        /**
         * Whether a heap copy of {@code length} bytes stays within the bound readers may leave unread (the one inline
         * data has, {@link SessionConfig#maxInlineBufferedBytes()}); if so it is counted. If not, the ring stays
         * stalled, so a peer sending faster than readers read meets a full ring (and its write timeout) instead of
         * filling our heap.
         */
        private boolean roomOnHeap(final int length) {
            if (metrics.inlineBytesBuffered.get() + length > config.maxInlineBufferedBytes()) {
                return false;
            }
            metrics.inlineBytesBuffered.addAndGet(length);
            return true;
        }

        /** One of our slices that holds {@code length} bytes, or NO_SLICE when none is free. */
        private int sliceFor(final int length) throws ProtocolViolationException {
            if (length > pool.maxSliceCapacity()) {
                return BufferPool.NO_SLICE;
            }
            final int slice = sliceCache.allocate(length);
            if (slice != BufferPool.NO_SLICE && pool.capacityOf(slice) < length) {
                sliceCache.free(slice);
                return BufferPool.NO_SLICE;
            }
            return slice;
        }

        @Override
        public void onSlice(final int sliceOffset, final int dataIndex, final int length) {
            chain.addInt(sliceOffset);
            chain.addInt(dataIndex);
            chain.addInt(length);
        }
    }

    private void receiveLoop() {
        try {
            receiveUntilClosed();
        } catch (final InternalError e) {
            fail(regionFault(e));
        } catch (final RuntimeException e) {
            // e.g. EFAULT from a futex wait on memory the peer took away
            fail(new SessionClosedException("receive loop failed: " + e.getMessage(), e));
        }
    }

    /**
     * HotSpot reports a fault on mapped memory (SIGBUS: a file-mode peer truncated its region; memfds are sealed
     * against that) as an InternalError in the thread that touched it: the session ends, the JVM goes on.
     */
    private ProtocolViolationException regionFault(final InternalError e) {
        return new ProtocolViolationException("the shared memory of session " + name + " faulted on access ("
            + e.getMessage() + "): the peer truncated or removed its region");
    }

    private void receiveUntilClosed() {
        final EventQueue queue = recvQueue;
        final int spinLimit = config.spinIterations();
        int idle = 0;
        while (!closed.get()) {
            if (poll() > 0) {
                idle = 0;
                if (readersWoken > 0) {
                    // The readers just woken need a CPU, and on a small machine this thread is holding it.
                    readersWoken = 0;
                    Thread.yield();
                }
                continue;
            }
            if (idle < spinLimit && spinners.get() == 0) {
                idle++;
                spinPause(idle);
                continue;
            }
            final int result;
            if (spinners.get() > 0) {
                // A reader is polling for us; sleep until it stops or the peer needs us.
                result = Futex.wait(flagAddress, 1, parkNanos);
            } else {
                publishConsumedHead();
                tagHeadsOnceThePeerReadsThem();
                queue.markNotWorking();
                if (!nothingToDrain()) {
                    queue.markWorkingByConsumer();
                    continue;
                }
                metrics.parks.increment();
                result = Futex.wait(flagAddress, 0, parkNanos);
                queue.markWorkingByConsumer();
            }
            if (result == Futex.TIMED_OUT) {
                // A whole park with no traffic: the stash of reusable slices goes back to the shared lists.
                returnCachedSlices();
                // and a stalled ring looks again for room, whoever made it.
                ringStalled = false;
                // Only a liveness check: an idle session must not spin again every park timeout. A peer in another
                // pid namespace has pid 0 here (SO_PEERCRED cannot name it): only its end of stream can tell.
                if (peerPid > 0 && !Posix.isProcessAlive(peerPid)) {
                    fail(new SessionClosedException("peer process " + peerPid + " is gone", null));
                }
            } else {
                idle = 0;
            }
        }
    }

    private void tagHeadsOnceThePeerReadsThem() {
        if (mayTagHeads && (pool.capabilities() & BufferRegionDescriptor.CAPABILITY_SERVER_TAGGED_HEADS) != 0) {
            try {
                mayTagHeads = !pool.tagHeads();
            } catch (final ProtocolViolationException e) {
                fail(e);
            }
        }
    }

    private void returnCachedSlices() {
        try {
            sliceCache.returnAll();
        } catch (final ProtocolViolationException e) {
            fail(e);
        }
    }

    /**
     * One iteration of a busy wait, {@code spun} iterations into it: a CPU pause, and every {@value #SPINS_PER_YIELD}
     * iterations (never on the first) a yield, so that a spinning thread never keeps a runnable thread off its CPU for
     * long: with more spinning processes than CPUs (a chain client → A → B on two CPUs) waiting any longer before
     * the first yield cost six times the CPU per call.
     */
    static void spinPause(final int spun) {
        if (spun > 0 && (spun & (SPINS_PER_YIELD - 1)) == 0) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    private void controlLoop() {
        try (PeerProcessWatch peerProcess = PeerProcessWatch.start(peerPid)) {
            while (!closed.get()) {
                if (!peerProcess.awaitReadable(control.socket())) {
                    drainAfterPeerClosed();
                    fail(peerProcess.goneException());
                    return;
                }
                final ControlEvent event = control.receive(-1);
                if (event == null) {
                    drainAfterPeerClosed();
                    fail(new SessionClosedException("peer closed the control connection", null));
                    return;
                }
                switch (event.type()) {
                    case POLLING -> {
                        metrics.pollingEventsReceived.increment();
                        wakeReceiver();
                    }
                    case FALLBACK_DATA -> {
                        metrics.inlineBytesBuffered.addAndGet(inlinePayloadLength(event));
                        controlHandoffs.add(event);
                        wakeReceiver();
                        awaitInlineRoom();
                    }
                    case STREAM_CLOSE -> {
                        controlHandoffs.add(event);
                        wakeReceiver();
                    }
                    case HOT_RESTART, HOT_RESTART_ACK -> onHotRestartEvent(event);
                    default -> throw new ProtocolViolationException("peer sent " + event.type()
                        + " after the handshake");
                }
            }
        } catch (final ShmIpcException e) {
            fail(e);
        } catch (final NativeException e) {
            if (!closed.get()) {
                fail(new SessionClosedException("control connection failed: " + e.getMessage(), e));
            }
        } catch (final RuntimeException e) {
            fail(new SessionClosedException("control loop failed: " + e, e));
        } catch (final InternalError e) {
            fail(regionFault(e));
        }
    }

    private static int inlinePayloadLength(final ControlEvent event) {
        return Math.max(0, event.body().length - ControlEvent.FALLBACK_HEADER_LENGTH);
    }

    /** Inline data left a stream's buffer (read, or dropped with the stream). */
    void inlineConsumed(final long bytes) {
        metrics.inlineBytesBuffered.addAndGet(-bytes);
        resumeStalledRing();
    }

    /**
     * Stops reading the control connection while readers leave more inline data unread than the configured bound:
     * a sender pushing data nobody reads meets a full socket (and its write timeout) instead of filling our heap.
     */
    private void awaitInlineRoom() {
        final long limit = config.maxInlineBufferedBytes();
        if (metrics.inlineBytesBuffered.get() <= limit) {
            return;
        }
        metrics.inlineStalls.increment();
        final long warnAt = System.nanoTime() + config.writeTimeout().toNanos();
        boolean warned = false;
        while (!closed.get() && metrics.inlineBytesBuffered.get() > limit) {
            LockSupport.parkNanos(INLINE_ROOM_POLL_NANOS);
            if (!warned && System.nanoTime() - warnAt > 0) {
                warned = true;
                LOG.log(System.Logger.Level.WARNING, () -> "session " + name + ": readers left "
                    + metrics.inlineBytesBuffered.get() + " bytes of inline data unread for "
                    + config.writeTimeout().toMillis() + " ms (bound " + limit
                    + "); the control connection waits until they read");
            }
        }
    }

    /**
     * HotRestart goes from server to client only, HotRestartAck from client to server only, each with exactly a u64
     * epoch; anything else is hostile input. Whether the epoch is the expected one is the listener's call.
     */
    private void onHotRestartEvent(final ControlEvent event) throws ProtocolViolationException {
        final EventType type = event.type();
        if ((type == EventType.HOT_RESTART) != client) {
            throw new ProtocolViolationException((client ? "server" : "client") + " sent " + type
                + ", which only the " + (client ? "client" : "server") + " side of a session may send");
        }
        if (event.body().length != HotRestartListener.EPOCH_LENGTH) {
            throw new ProtocolViolationException(type + " event carries " + event.body().length
                + " body bytes; it must carry exactly a u64 epoch");
        }
        final long epoch = event.bodyLong(0);
        final HotRestartListener listener = hotRestartListener;
        if (listener == null) {
            LOG.log(System.Logger.Level.WARNING, () -> "session " + name + ": peer sent " + type + " (epoch "
                + Long.toUnsignedString(epoch) + ") but this session belongs to no SessionPool or ShmServer that"
                + " could migrate it; ignored");
            return;
        }
        listener.onEpochEvent(this, epoch);
    }

    /** Routes this session's hot-restart events to {@code listener} (its pool or server). */
    void hotRestartListener(final HotRestartListener listener) {
        this.hotRestartListener = listener;
    }

    /** Sends HotRestart (server) or HotRestartAck (client) carrying {@code epoch}. */
    void sendEpochEvent(final EventType type, final long epoch) throws ShmIpcException {
        checkOpen();
        try {
            control.send(ControlEvent.epochEvent(type, control.version(), epoch));
        } catch (final NativeException e) {
            throw fail(new SessionClosedException("control connection failed while sending " + type + ": "
                + e.getMessage(), e));
        }
    }

    /**
     * The peer ended the control connection: what it published before that (queue elements, hand-offs) is still
     * delivered, and streams it closed end cleanly, as a socket delivers the bytes written before close(2). Bounded in
     * time, in case the peer goes on publishing.
     */
    private void drainAfterPeerClosed() {
        final long deadline = System.nanoTime() + DRAIN_ON_CLOSE_NANOS;
        while (System.nanoTime() - deadline < 0) {
            if (poll() == 0 && !consumerBusy.get() && nothingToDrain()) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    private void wakeReceiver() {
        recvQueue.markWorking();
        Futex.wake(flagAddress, 1);
    }

    // ---------------------------------------------------------------- lifecycle

    void checkOpen() throws SessionClosedException {
        if (closed.get()) {
            final Throwable cause = closeCause;
            throw new SessionClosedException("session " + name + " is closed"
                + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""), cause);
        }
    }

    /** Ends the session because of {@code cause}; returns an exception to throw at the caller. */
    ShmIpcException fail(final Throwable cause) {
        shutdown(cause);
        return new SessionClosedException("session " + name + " failed: " + cause.getMessage(), cause);
    }

    /** Closes the session: streams fail, the peer sees end of stream, shared memory is given back. Idempotent. */
    @Override
    public void close() {
        shutdown(new SessionClosedException("closed locally", null));
    }

    private void shutdown(final Throwable cause) {
        // The cause is set first and decides who closes: whoever sees the session closed also sees why.
        final Throwable reason = cause != null ? cause : new SessionClosedException("closed", null);
        if (!CLOSE_CAUSE.compareAndSet(this, null, reason)) {
            awaitShutdownByOtherThread();
            return;
        }
        closed.set(true);
        closingThread = Thread.currentThread();
        try {
            releaseResources(reason);
        } finally {
            shutdownDone.countDown();
        }
    }

    /** A second closer returns once the first has given everything back, so "closed" means cleaned up. */
    private void awaitShutdownByOtherThread() {
        final Thread self = Thread.currentThread();
        if (self == closingThread || self == receiver || self == controlReader || isDrainingThread()) {
            return;
        }
        try {
            shutdownDone.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseResources(final Throwable cause) {
        // Names go first: a process that exits right after seeing the session end must leave no file behind.
        queueRegion.unlink();
        bufferRegion.unlink();
        final boolean local = cause instanceof SessionClosedException && "closed locally".equals(cause.getMessage());
        LOG.log(local ? System.Logger.Level.DEBUG : System.Logger.Level.INFO,
            () -> "session " + name + " closed: " + cause.getMessage());
        control.close();
        try {
            Futex.wake(flagAddress, Integer.MAX_VALUE);
        } catch (final RuntimeException | InternalError e) {
            // The memory is gone (a file-mode peer truncated it): nobody can be parked on it any more.
        }
        for (final Stream stream : streams.values()) {
            stream.signal();
        }
        if (Thread.currentThread() != receiver) {
            joinQuietly(receiver);
        }
        if (Thread.currentThread() != controlReader) {
            // The closed socket has woken it; once it is gone, so is its watch on the peer's process.
            joinQuietly(controlReader);
        }
        // Wait for a reader that is draining right now (unless that is us, failing inside a drain), then keep
        // everybody out for good.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!isDrainingThread() && !consumerBusy.compareAndSet(false, true) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        if (!isDrainingThread()) {
            announceEndToListener();
        }
        // Readers may still hold received data (buffered, or as views): zero pages would hand them zeros in its
        // place. The shared memory goes once the last held slice is released (see releaseSlice).
        queueRegion.closeFd();
        bufferRegion.closeFd();
        regionsDrained = true;
        closeRegionsOnceReleased();
        final List<Runnable> listeners;
        synchronized (closeListeners) {
            listeners = new ArrayList<>(closeListeners);
            closeListeners.clear();
        }
        for (final Runnable listener : listeners) {
            try {
                listener.run();
            } catch (final RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "close listener of session " + name + " failed", e);
            }
        }
    }

    /**
     * After shutdown has shut out every drainer, swaps the shared memory for zero pages as soon as no reader holds a
     * received slice. Only releases happen then, so a held count of zero stays zero. Idempotent.
     */
    private void closeRegionsOnceReleased() {
        // Both guards: no received slice held (buffered data) and no in-place view open (ReceivedBytes, views).
        if (regionsDrained && metrics.slicesHeld() <= 0 && regionViews.compareAndSet(0, REGION_GONE)) {
            queueRegion.close();
            bufferRegion.close();
        }
    }

    private static void joinQuietly(final Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A human-readable state dump: regions, queues, pool occupancy, streams and counters. */
    public String debugDump() {
        final StringBuilder out = new StringBuilder();
        out.append("session ").append(name).append(closed.get() ? " (closed: " + closeCause + ")" : " (open)")
            .append('\n');
        out.append("  protocol v").append(control.version()).append(", memory ").append(bufferRegion.type())
            .append('\n');
        // A closed session's memory may be gone (a file-mode peer can truncate it): read it only while open. A fault
        // here surfaces as an InternalError in this thread, possibly a little later (HotSpot delivers it async).
        try {
            if (!closed.get()) {
                out.append("  wake-ups ").append(peerUsesFutex() ? "futex" : "polling events").append('\n');
                out.append("  send: ").append(sendMessages.describe()).append("; receive: ")
                    .append(recvMessages.describe()).append(", receive flag ").append(recvQueue.workingFlag())
                    .append('\n');
                for (int i = 0; i < pool.listCount(); i++) {
                    out.append("  slices of ").append(pool.sliceCapacity(i)).append(" B: ")
                        .append(pool.freeSlices(i)).append(" free of ").append(pool.sliceCount(i))
                        .append(pool.isHeadTagged(i) ? ", tagged head" : ", plain head").append('\n');
                }
            }
        } catch (final InternalError e) {
            out.append("\n  shared memory inaccessible: ").append(e.getMessage()).append('\n');
        }
        out.append("  streams: ").append(streams.size()).append('\n');
        for (final Stream stream : streams.values()) {
            out.append("    ").append(stream).append('\n');
        }
        out.append("  ").append(metrics).append('\n');
        return out.toString();
    }

    @Override
    public String toString() {
        return "Session{" + name + (closed.get() ? ", closed" : "") + "}";
    }
}
