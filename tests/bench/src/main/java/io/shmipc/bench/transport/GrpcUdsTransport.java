package io.shmipc.bench.transport;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.shmipc.bench.Scenario;
import io.shmipc.bench.spi.BenchClient;
import io.shmipc.bench.spi.BenchServer;
import io.shmipc.bench.spi.BenchTransport;
import io.shmipc.bench.spi.RequestHandler;
import io.shmipc.bench.spi.TransportSettings;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * gRPC-java unary calls over a Unix domain socket, through the shaded Netty's native epoll transport, with a
 * {@code byte[]} marshaller (no protobuf). Each stream is one outstanding call on one shared channel. The endpoint
 * is the socket path.
 */
public final class GrpcUdsTransport implements BenchTransport
{
    /** Name on the command line. */
    public static final String NAME = "grpc-uds";

    static final MethodDescriptor<byte[], byte[]> ECHO_METHOD = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("shmipc.bench.Echo", "Call"))
        .setRequestMarshaller(ByteArrayMarshaller.INSTANCE)
        .setResponseMarshaller(ByteArrayMarshaller.INSTANCE)
        .build();

    /** Slack over the payload for gRPC's own inbound size limit. */
    static final int MESSAGE_SIZE_SLACK = 1024;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String unavailableReason()
    {
        return Epoll.isAvailable() ? null : "native epoll is not available: " + Epoll.unavailabilityCause();
    }

    @Override
    public boolean supports(final Scenario scenario)
    {
        return scenario != Scenario.CHAIN;
    }

    @Override
    public BenchServer startServer(final TransportSettings settings, final RequestHandler.Factory handlers)
        throws IOException
    {
        return GrpcUdsServer.start(settings, handlers.newHandler());
    }

    @Override
    public BenchClient connect(final TransportSettings settings, final String endpoint)
    {
        return new GrpcUdsClient(settings, endpoint);
    }

    /**
     * Passes payload bytes through unchanged.
     */
    enum ByteArrayMarshaller implements MethodDescriptor.Marshaller<byte[]>
    {
        INSTANCE;

        @Override
        public InputStream stream(final byte[] value)
        {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(final InputStream stream)
        {
            try
            {
                if (stream instanceof KnownLength)
                {
                    // One exact allocation and copy; readAllBytes would grow and concatenate chunks of a large message.
                    final byte[] message = new byte[stream.available()];
                    final int read = stream.readNBytes(message, 0, message.length);
                    if (read != message.length || stream.read() != -1)
                    {
                        throw new IOException("message length differs from the length gRPC announced");
                    }
                    return message;
                }
                return stream.readAllBytes();
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException("grpc-uds: cannot read message", e);
            }
        }
    }
}
