package io.shmipc.transport;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A server process for cross-process tests: serves {@link ChecksumEcho} over TCP ({@code args[0]}, default a free
 * loopback port) and, when the environment says so ({@code SHMIPC_ENABLE}, {@code SHMIPC_PATH}, ... through
 * {@link EnvironmentSuite#fromSystem()}), over shared memory too. Prints {@code LISTENING host:port}, and shuts down
 * gracefully when its standard input closes.
 */
public final class EchoServerMain
{
    static final String READY_PREFIX = "LISTENING ";

    private EchoServerMain()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final String address = args.length > 0 ? args[0] : ServerOptions.DEFAULT_TCP_ADDRESS;
        try (RpcServer server = RpcServer.start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .tcpAddress(address).suite(EnvironmentSuite.fromSystem()).drainTimeout(Duration.ofSeconds(5)).build()))
        {
            System.out.println(READY_PREFIX + server.tcpAddress());
            System.out.flush();
            final InputStream in = System.in;
            while (in.read() != -1)
            {
                // Wait for the parent to close our stdin (or die, which closes it too).
            }
        }
    }
}
