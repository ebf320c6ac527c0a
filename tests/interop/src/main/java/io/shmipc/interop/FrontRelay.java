package io.shmipc.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay standing for the one address a client knows of a service (a virtual IP, a layer-4 load
 * balancer, a mesh sidecar): every accepted connection is joined to a new connection to the current backend, and
 * bytes are copied both ways unchanged until either side ends, which closes both. {@link #switchTo} changes the
 * backend of new connections only; joined ones stay with theirs, as behind a real layer-4 balancer, so moving a
 * client's open connections off a server is left to the server (TTHeader {@code crrst}) and the client.
 * <p>
 * Test tooling: blocking sockets and two threads per connection, for the handful of connections a scenario opens.
 */
final class FrontRelay implements AutoCloseable {
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final long ACCEPTOR_JOIN_MILLIS = 2_000;

    private final ServerSocket listener;
    private final Thread acceptor;
    /** Held while a connection is routed and its backend connected, so a switch never races a connect. */
    private final Object routeLock = new Object();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger linkIds = new AtomicInteger();
    private volatile RelayBackend current;
    private volatile boolean closed;

    private FrontRelay(final ServerSocket listener, final RelayBackend first) {
        this.listener = listener;
        this.current = first;
        this.acceptor = new Thread(this::acceptLoop, "front-relay-accept");
        acceptor.setDaemon(true);
    }

    /**
     * @param first the backend new connections go to until {@link #switchTo}.
     * @return a relay listening on a free loopback port.
     * @throws IOException when it cannot listen.
     */
    static FrontRelay start(final RelayBackend first) throws IOException {
        final ServerSocket listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        final FrontRelay relay = new FrontRelay(listener, first);
        relay.acceptor.start();
        return relay;
    }

    /** @return the address clients dial, {@code host:port}. */
    String address() {
        return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
    }

    /**
     * Route new connections to {@code backend}. When this returns, no connection is being joined to the previous
     * backend any more.
     */
    void switchTo(final RelayBackend backend) {
        synchronized (routeLock) {
            current = backend;
        }
    }

    private void acceptLoop() {
        while (!closed) {
            final Socket client;
            try {
                client = listener.accept();
            } catch (final IOException ex) {
                if (!closed) {
                    System.err.println("front relay: accept failed, relay stops: " + ex);
                }
                return;
            }
            synchronized (routeLock) {
                join(client, current);
            }
        }
    }

    private void join(final Socket client, final RelayBackend backend) {
        final Socket server = new Socket();
        try {
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            server.connect(backend.address(), CONNECT_TIMEOUT_MILLIS);
        } catch (final IOException ex) {
            backend.connectFailed();
            System.err.println("front relay: connecting to the " + backend.name() + " server at "
                + backend.address() + " failed, dropping the client's connection: " + ex);
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        backend.connected();
        sockets.add(client);
        sockets.add(server);
        final Link link = new Link(client, server, backend);
        final int id = linkIds.incrementAndGet();
        startPump("front-relay-" + id + "-to-" + backend.name(), client, server, link, true);
        startPump("front-relay-" + id + "-from-" + backend.name(), server, client, link, false);
    }

    private void startPump(final String name, final Socket from, final Socket to, final Link link,
        final boolean fromClient) {
        final Thread pump = new Thread(() -> pump(from, to, link, fromClient), name);
        pump.setDaemon(true);
        pump.start();
    }

    private void pump(final Socket from, final Socket to, final Link link, final boolean fromClient) {
        final byte[] buffer = new byte[BUFFER_BYTES];
        final InputStream in;
        final OutputStream out;
        try {
            in = from.getInputStream();
            out = to.getOutputStream();
        } catch (final IOException ex) {
            link.end(fromClient);
            return;
        }
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (final IOException ex) {
                n = -1;
            }
            if (n < 0) {
                link.end(fromClient);
                return;
            }
            try {
                out.write(buffer, 0, n);
            } catch (final IOException ex) {
                link.end(!fromClient);
                return;
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(listener);
        for (final Socket socket : sockets) {
            closeQuietly(socket);
        }
        try {
            acceptor.join(ACCEPTOR_JOIN_MILLIS);
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(final AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (final Exception ignored) {
            // Closing is all that is left to do with it.
        }
    }

    /** A client connection joined to a backend connection; the first side to end is recorded, then both close. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        private final RelayBackend backend;
        private final AtomicBoolean ended = new AtomicBoolean();

        Link(final Socket client, final Socket server, final RelayBackend backend) {
            this.client = client;
            this.server = server;
            this.backend = backend;
        }

        void end(final boolean byClient) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            if (!closed) {
                backend.ended(byClient);
            }
            closeQuietly(client);
            closeQuietly(server);
            sockets.remove(client);
            sockets.remove(server);
        }
    }
}
