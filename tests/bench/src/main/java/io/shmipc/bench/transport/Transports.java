package io.shmipc.bench.transport;

import io.shmipc.bench.spi.BenchTransport;

import java.util.ArrayList;
import java.util.List;

/**
 * Every transport the harness knows, in report order: ours first, then the peers from fastest expected to slowest.
 * Add a transport by adding one line here.
 */
public final class Transports
{
    private static final List<BenchTransport> ALL = List.of(
        new ShmTransport(),
        RpcTransport.overShm(),
        RpcTransport.overShmBlocking(),
        new AgronaRingTransport(),
        new AeronTransport(),
        new UdsTransport(),
        new TcpTransport(),
        RpcTransport.overTcp(),
        new GrpcUdsTransport(),
        new ShmipcGoTransport());

    private Transports()
    {
    }

    /**
     * @return every transport, in report order.
     */
    public static List<BenchTransport> all()
    {
        return ALL;
    }

    /**
     * @return every transport's name, in report order.
     */
    public static List<String> names()
    {
        final List<String> names = new ArrayList<>();
        for (final BenchTransport transport : ALL)
        {
            names.add(transport.name());
        }
        return names;
    }

    /**
     * @param name a transport name.
     * @return the transport.
     * @throws IllegalArgumentException naming the known transports when {@code name} is unknown.
     */
    public static BenchTransport byName(final String name)
    {
        for (final BenchTransport transport : ALL)
        {
            if (transport.name().equals(name))
            {
                return transport;
            }
        }
        throw new IllegalArgumentException(
            "unknown transport '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
}
