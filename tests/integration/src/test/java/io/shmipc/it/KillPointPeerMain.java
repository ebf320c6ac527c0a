package io.shmipc.it;

import io.shmipc.core.Session;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmServer;
import io.shmipc.core.Stream;
import io.shmipc.core.control.ControlChannel;
import io.shmipc.core.control.ControlEvent;
import io.shmipc.core.control.EventType;
import io.shmipc.core.layout.EventHeaderDescriptor;
import io.shmipc.demo.EchoFrame;
import io.shmipc.nativeio.UnixSocket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A peer that is in three states at once when the test kills it, one per kill point of {@link KillPointTest}:
 * one connection stopped in the middle of the handshake, one session moving multi-slice chains, one session parked.
 * <ul>
 *   <li>{@code server <echo socket> <stall socket>}: an echo {@link ShmServer} on the first socket; on the second, a
 *   bare listener that answers a client's first handshake event (the version exchange; nothing to a file-mode offer)
 *   and then says nothing more. Prints {@code READY} once both listen.</li>
 *   <li>{@code client <socket> <chain bytes>}: opens a bare connection that sends the first handshake event and then
 *   stops; a session with one stream that echoes one frame and then stays idle (the server's handler is parked in a
 *   read); a session whose stream echoes frames of {@code chain bytes} in a loop. Prints {@code READY} after the
 *   first chain echo. The memory mode comes from SHMIPC_MEMORY_TYPE.</li>
 * </ul>
 * Either way it runs until killed (or until stdin ends).
 */
public final class KillPointPeerMain {
    private static final int MAX_EVENT_BYTES = 1 << 20;
    private static final int HANDSHAKE_WAIT_MILLIS = 60_000;

    private KillPointPeerMain() {
    }

    public static void main(final String[] args) throws Exception {
        final SessionConfig config = SessionConfig.fromEnvironment();
        if ("server".equals(args[0])) {
            final ShmServer server = ShmServer.start(Path.of(args[1]), config, KillPointPeerMain::echo);
            final UnixSocket stall = UnixSocket.listen(Path.of(args[2]), 1, 0600);
            final Thread staller = new Thread(() -> stallFirstClient(stall), "stall");
            staller.setDaemon(true);
            staller.start();
            say("READY");
            awaitStdinEnd();
            server.close();
        } else {
            final Path socket = Path.of(args[1]);
            final ControlChannel stalled = new ControlChannel(UnixSocket.connect(socket), MAX_EVENT_BYTES);
            stalled.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION, EventHeaderDescriptor.VERSION_MEMFD));
            final Session parked = Session.connect(socket, config);
            final Stream idle = parked.openStream();
            idle.readTimeout(Duration.ofSeconds(10));
            Echo.roundTrip(idle, Echo.payload(1000, 1), new byte[4096]);
            final Session chains = Session.connect(socket, config);
            final Stream stream = chains.openStream();
            stream.readTimeout(Duration.ofSeconds(10));
            final byte[] payload = Echo.payload(Integer.parseInt(args[2]), 2);
            final byte[] scratch = new byte[payload.length];
            Echo.roundTrip(stream, payload, scratch);
            say("READY " + config.memoryType().name().toLowerCase());
            final Thread chainer = new Thread(() -> {
                try {
                    while (true) {
                        Echo.roundTrip(stream, payload, scratch);
                    }
                } catch (final ShmIpcException e) {
                    System.err.println("chain echo ended: " + e);
                }
            }, "chains");
            chainer.setDaemon(true);
            chainer.start();
            awaitStdinEnd();
            stalled.close();
            parked.close();
            chains.close();
        }
        System.exit(0);
    }

    private static void echo(final Stream stream) {
        try {
            while (EchoFrame.echoOnce(stream)) {
                // until the stream ends
            }
        } catch (final ShmIpcException e) {
            System.err.println("echo ended: " + e);
        } finally {
            stream.close();
        }
    }

    /** Accepts one client, answers its version exchange if it starts with one, then keeps the connection silent. */
    private static void stallFirstClient(final UnixSocket listener) {
        try {
            final ControlChannel control = new ControlChannel(listener.accept(), MAX_EVENT_BYTES);
            final ControlEvent first = control.receive(HANDSHAKE_WAIT_MILLIS);
            if (first != null && first.type() == EventType.EXCHANGE_PROTO_VERSION) {
                control.send(ControlEvent.empty(EventType.EXCHANGE_PROTO_VERSION,
                    EventHeaderDescriptor.VERSION_MEMFD));
            }
            say("STALLED " + (first == null ? "none" : first.type()));
        } catch (final Exception e) {
            System.err.println("stall listener: " + e);
        }
    }

    private static void awaitStdinEnd() throws java.io.IOException {
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // run until killed or told to stop
        }
    }

    private static synchronized void say(final String line) {
        System.out.println(line);
        System.out.flush();
    }
}
