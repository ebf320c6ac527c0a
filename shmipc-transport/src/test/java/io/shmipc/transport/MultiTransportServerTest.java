package io.shmipc.transport;

import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransServer;
import io.shmipc.transport.remote.TransServerFactory;
import io.shmipc.transport.tcp.TcpAddresses;
import io.shmipc.transport.tcp.TcpTransServerFactory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One server, one handler, two transport servers accepting at the same time: the shape the shared-memory
 * transport slots into. The second transport server here is a stand-in registered under kind SHM that accepts
 * over TCP on its own port.
 */
@Timeout(60)
class MultiTransportServerTest
{
    @Test
    void shouldServeBothTransportsWithOneHandler()
    {
        final ServerOptions options = ServerOptions.builder((ctx, request) -> ChecksumEcho.respond(request))
            .transServerFactory(new StandInShmFactory()).drainTimeout(Duration.ofSeconds(1)).build();
        try (RpcServer server = RpcServer.start(options))
        {
            final String tcp = server.tcpAddress();
            final String standIn = TcpAddresses.format((InetSocketAddress)server.boundAddress(TransportKind.SHM));
            assertNotEquals(tcp, standIn);

            final Random random = new Random(11);
            for (final String address : new String[] {tcp, standIn})
            {
                try (RpcClient client = RpcClient.create(ClientOptions.builder().target(address).build()))
                {
                    final UnsafeBuffer request = ChecksumEcho.request(random, 3000);
                    assertTrue(ChecksumEcho.verify(request,
                        client.call(Request.of(ChecksumEcho.METHOD, request)).payload()));
                }
            }
            assertEquals(2, server.metrics().calls(TransportKind.TCP));
        }
    }

    private static final class StandInShmFactory implements TransServerFactory
    {
        @Override
        public TransportKind kind()
        {
            return TransportKind.SHM;
        }

        @Override
        public TransServer newTransServer(final ServerOptions options, final TransHandler handler)
        {
            final TransServer delegate = new TcpTransServerFactory().newTransServer(options, handler);
            return new TransServer()
            {
                @Override
                public TransportKind kind()
                {
                    return TransportKind.SHM;
                }

                @Override
                public SocketAddress start()
                {
                    return delegate.start();
                }

                @Override
                public SocketAddress boundAddress()
                {
                    return delegate.boundAddress();
                }

                @Override
                public int connectionCount()
                {
                    return delegate.connectionCount();
                }

                @Override
                public void stopAccepting()
                {
                    delegate.stopAccepting();
                }

                @Override
                public void close()
                {
                    delegate.close();
                }
            };
        }
    }
}
