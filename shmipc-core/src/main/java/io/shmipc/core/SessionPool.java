package io.shmipc.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's sessions to one server: {@code size} sessions opened on demand, streams spread over them round-robin,
 * and idle streams kept for reuse. A session that died is replaced on the next use.
 */
public final class SessionPool implements AutoCloseable {
    private final Path socketPath;
    private final SessionConfig config;
    private final Session[] sessions;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedDeque<Stream> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    public SessionPool(final Path socketPath, final SessionConfig config, final int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("a pool needs at least one session");
        }
        this.socketPath = socketPath;
        this.config = config;
        this.sessions = new Session[size];
    }

    /** A stream for one exchange: an idle one if there is a healthy one, otherwise a new one. */
    public Stream acquire() throws ShmIpcException {
        Stream stream;
        while ((stream = idle.pollFirst()) != null) {
            if (stream.isOpen() && stream.reader().available() == 0) {
                return stream;
            }
            stream.close();
        }
        return session().openStream();
    }

    /** Returns a stream for reuse; one with unread data or in a bad state is closed instead. */
    public void release(final Stream stream) {
        if (!closed && stream.isOpen() && stream.reader().available() == 0 && stream.writer().pending() == 0) {
            idle.addFirst(stream);
        } else {
            stream.close();
        }
    }

    /** The next session round-robin, connecting or reconnecting it if needed. */
    public Session session() throws ShmIpcException {
        if (closed) {
            throw new ShmIpcException("session pool for " + socketPath + " is closed");
        }
        final int slot = Math.floorMod(next.getAndIncrement(), sessions.length);
        synchronized (sessions) {
            Session session = sessions[slot];
            if (session == null || session.isClosed()) {
                session = Session.connect(socketPath, config);
                sessions[slot] = session;
            }
            return session;
        }
    }

    /** Sessions currently held (open or not yet replaced). */
    public List<Session> sessions() {
        synchronized (sessions) {
            final List<Session> list = new ArrayList<>();
            for (final Session session : sessions) {
                if (session != null) {
                    list.add(session);
                }
            }
            return list;
        }
    }

    @Override
    public void close() {
        closed = true;
        Stream stream;
        while ((stream = idle.pollFirst()) != null) {
            stream.close();
        }
        synchronized (sessions) {
            for (int i = 0; i < sessions.length; i++) {
                if (sessions[i] != null) {
                    sessions[i].close();
                    sessions[i] = null;
                }
            }
        }
    }
}
