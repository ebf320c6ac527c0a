package io.shmipc.sidecar;

import io.shmipc.transport.ChildJvm;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.Request;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.codec.IntInfoKey;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Helpers that start the pieces of a local mesh for the end-to-end tests: the upstream JVM, the bridge JVM and the
 * app's shared-memory client.
 */
final class Mesh
{
    private Mesh()
    {
    }

    static ChildJvm startUpstream(final String listen, final Path logDir) throws IOException
    {
        return ChildJvm.start(UpstreamServerMain.class, List.of(listen), Map.of(), Map.of(), logDir);
    }

    /**
     * @return the bridge and its addresses from the READY line.
     */
    static Map.Entry<ChildJvm, Map<String, String>> startBridge(final List<String> args, final Path logDir)
        throws Exception
    {
        final ChildJvm bridge = ChildJvm.start(SidecarMain.class, args, Map.of(), Map.of(), logDir);
        final Map<String, String> addresses = new HashMap<>();
        for (final String pair : bridge.awaitLine(SidecarMain.READY).split(" "))
        {
            final int equals = pair.indexOf('=');
            addresses.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return Map.entry(bridge, addresses);
    }

    static List<String> bridgeArgs(final String socket, final String tcp, final String... more)
    {
        final List<String> args = new ArrayList<>(List.of("--socket", socket, "--tcp", tcp, "--admin", "127.0.0.1:0",
            "--drain-timeout", "5000"));
        args.addAll(List.of(more));
        return args;
    }

    /**
     * @return an app's client of the bridge: shared memory on {@code socket}, TCP fallback {@code tcp}.
     */
    static RpcClient appClient(final String socket, final String tcp, final Duration callTimeout)
    {
        final ClientOptions.Builder options = ClientOptions.builder()
            .target(tcp)
            .callTimeout(callTimeout)
            // A bridge that is down refuses at once; a longer wait only keeps a handshake with a bridge JVM that is
            // still cold, on a loaded machine, from falling back to TCP (the relay test expects shared memory).
            .connectTimeout(Duration.ofSeconds(5))
            .shmRetryInterval(Duration.ofMillis(200));
        options.shm().enabled(true).path(socket);
        return RpcClient.create(options.build());
    }

    static Request call(final String method, final String service, final DirectBuffer payload)
    {
        return Request.builder(method).payload(payload).intInfo(IntInfoKey.TO_SERVICE, service).build();
    }

    static String freeLoopbackAddress() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
