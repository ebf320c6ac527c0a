package io.shmipc.transport;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A server process for cross-process tests: serves {@link ChecksumEcho} over TCP on a free loopback port, prints
 * {@code LISTENING host:port}, and shuts down gracefully when its standard input closes.
 */
public final class TcpEchoServerMain
{
    static final String READY_PREFIX = "LISTENING ";

    private TcpEchoServerMain()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        try (RpcServer server = RpcServer.start(ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .drainTimeout(Duration.ofSeconds(5)).build()))
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
