package io.shmipc.bench;

import io.shmipc.bench.transport.RpcTransport;
import io.shmipc.sidecar.SidecarMain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The middle process of the sidecar scenario: the mesh bridge ({@link SidecarMain}) in its own JVM, with one route
 * from the bench's service name ({@link RpcTransport#SERVICE}, the ToService key every RPC bench request carries) to
 * an upstream RPC server on loopback TCP. The app reaches the bridge over its ShmIPC control socket ({@code shm-rpc})
 * or its TCP listener ({@code tcp-rpc}). Closing it sends SIGTERM, which the bridge answers by draining and exiting,
 * and removes the socket's directory.
 */
final class SidecarBridge implements AutoCloseable
{
    /** The app transports the scenario compares as the hop to the bridge. */
    static final List<String> APP_TRANSPORTS = List.of(RpcTransport.SHM_NAME, RpcTransport.TCP_NAME);

    private static final String SOCKET_NAME = "egress.sock";
    private static final String SHM_ADDRESS_KEY = "egress-shm";
    private static final String TCP_ADDRESS_KEY = "egress-tcp";
    /** The bridge reads its settings from these too; a user's own must not change what is measured. */
    private static final String ENVIRONMENT_PREFIX = "SHMIPC_SIDECAR_";

    private final PeerProcess process;
    private final Path directory;
    private final Map<String, String> addresses;

    private SidecarBridge(final PeerProcess process, final Path directory, final Map<String, String> addresses)
    {
        this.process = process;
        this.directory = directory;
        this.addresses = addresses;
    }

    /**
     * Starts the bridge and waits until it serves.
     *
     * @param name          names the process in messages.
     * @param launcher      how to fork the JVM.
     * @param pinning       the command prefix that pins it, maybe empty.
     * @param upstream      the upstream server's {@code host:port}.
     * @param timeoutMillis the most to wait for it to serve.
     * @return the serving bridge.
     * @throws IOException when it cannot start or fails before serving.
     * @throws TimeoutException when it does not serve in time.
     * @throws InterruptedException when interrupted.
     */
    static SidecarBridge start(
        final String name,
        final JvmLauncher launcher,
        final List<String> pinning,
        final String upstream,
        final long timeoutMillis) throws IOException, TimeoutException, InterruptedException
    {
        final Path directory = Files.createTempDirectory("shmipc-bench-sidecar-");
        PeerProcess process = null;
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(launcher.command(pinning, SidecarMain.class.getName(),
                List.of(
                    "--socket", directory.resolve(SOCKET_NAME).toString(),
                    "--tcp", "127.0.0.1:0",
                    "--route", RpcTransport.SERVICE + "=" + upstream,
                    "--admin", "off")));
            builder.environment().keySet().removeIf(key -> key.startsWith(ENVIRONMENT_PREFIX));
            process = PeerProcess.startStoppedBySignal(name, builder);
            final Map<String, String> addresses = parseAddresses(process.awaitLine(SidecarMain.READY, timeoutMillis));
            if (!addresses.containsKey(SHM_ADDRESS_KEY) || !addresses.containsKey(TCP_ADDRESS_KEY))
            {
                throw new IOException(name + " printed no " + SHM_ADDRESS_KEY + " or " + TCP_ADDRESS_KEY +
                    " address: " + addresses);
            }
            return new SidecarBridge(process, directory, addresses);
        }
        catch (final IOException | TimeoutException | InterruptedException | RuntimeException e)
        {
            if (process != null)
            {
                process.close();
            }
            deleteDirectory(directory);
            throw e;
        }
    }

    /**
     * @return the bridge process, to watch and to read CPU time from.
     */
    PeerProcess process()
    {
        return process;
    }

    /**
     * @param appTransport one of {@link #APP_TRANSPORTS}.
     * @return the endpoint the app's client of that transport connects to.
     */
    String endpointFor(final String appTransport)
    {
        final String tcp = addresses.get(TCP_ADDRESS_KEY);
        return switch (appTransport)
        {
            case RpcTransport.SHM_NAME -> RpcTransport.shmEndpoint(tcp, addresses.get(SHM_ADDRESS_KEY));
            case RpcTransport.TCP_NAME -> tcp;
            default -> throw new IllegalArgumentException(
                "the sidecar scenario runs " + APP_TRANSPORTS + ", not " + appTransport);
        };
    }

    /**
     * Stops the bridge and removes its socket directory. Idempotent.
     */
    @Override
    public void close()
    {
        process.close();
        deleteDirectory(directory);
    }

    /** The ready line's {@code key=value} words, in any order. */
    private static Map<String, String> parseAddresses(final String words)
    {
        final Map<String, String> addresses = new HashMap<>();
        for (final String word : words.split("\\s+"))
        {
            final int equals = word.indexOf('=');
            if (equals > 0)
            {
                addresses.put(word.substring(0, equals), word.substring(equals + 1));
            }
        }
        return addresses;
    }

    private static void deleteDirectory(final Path directory)
    {
        try
        {
            Files.deleteIfExists(directory.resolve(SOCKET_NAME));
            Files.deleteIfExists(directory);
        }
        catch (final IOException ignored)
        {
            // a temp directory left behind is harmless
        }
    }
}
