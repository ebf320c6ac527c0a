package io.shmipc.demo;

import io.shmipc.transport.EnvironmentSuite;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The RPC echo server of the demo's second half: {@code RpcEchoServerMain <socket path> <tcp port>} serves one
 * {@link RpcServer} handler (echo the request payload) over shared memory on the socket and over TCP on
 * 127.0.0.1:port at the same time, with this process's other {@code SHMIPC_*} settings. Prints {@code READY} when
 * both listen; stops gracefully when stdin closes.
 */
public final class RpcEchoServerMain {
    /** Held, or the level set on it could be forgotten: the demo shows the server's warnings, not its INFO lines. */
    private static final Logger SHMIPC_LOGGER = Logger.getLogger("io.shmipc");

    private RpcEchoServerMain() {
    }

    public static void main(final String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: RpcEchoServerMain <socket path> <tcp port>");
            System.exit(2);
        }
        SHMIPC_LOGGER.setLevel(Level.WARNING);
        final ServerOptions.Builder options = ServerOptions.builder((ctx, request) -> request)
            .tcpAddress("127.0.0.1:" + Integer.parseInt(args[1]))
            .suite(EnvironmentSuite.fromSystem())
            .drainTimeout(Duration.ofSeconds(5));
        options.shm().enabled(true).path(args[0]);
        final RpcServer server = RpcServer.start(options.build());
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent closes our stdin to stop us
        }
        server.close();
        // Everything is closed; skip the JVM's own shutdown, which on a busy machine can outlast the parent's wait.
        Runtime.getRuntime().halt(0);
    }
}
