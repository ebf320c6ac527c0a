package io.shmipc.examples.thrift;

import io.shmipc.examples.thrift.gen.Echo;
import io.shmipc.examples.thrift.gen.EchoError;
import io.shmipc.transport.thrift.TShmTransport;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * {@code EchoClient <control socket> [tcp port]}: the generated {@code Echo.Client}, unchanged, over shared memory
 * ({@link TShmTransport}) and, when a port is given, over TCP ({@code TSocket}); checks every reply and prints the
 * median round trip per payload size for each.
 */
public final class EchoClient
{
    private static final int[] SIZES = {64, 4096, 65536};
    private static final int CALLS = 2_000;
    private static final int WARM_UP = 500;

    private EchoClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length < 1)
        {
            System.err.println("usage: EchoClient <control socket path> [tcp port]");
            System.exit(2);
        }
        final TTransport shm = new TShmTransport(Path.of(args[0]));
        final long[] overShm = run("shm", shm);
        if (args.length > 1)
        {
            final long[] overTcp = run("tcp", new TSocket("127.0.0.1", Integer.parseInt(args[1])));
            for (int i = 0; i < SIZES.length; i++)
            {
                System.out.printf("%8d B: shared memory %.1fx faster than TCP at the median%n", SIZES[i],
                    (double)overTcp[i] / overShm[i]);
            }
        }
    }

    /**
     * @return the median round trip in nanoseconds per size.
     */
    private static long[] run(final String name, final TTransport transport) throws TException
    {
        transport.open();
        try
        {
            final Echo.Client client = new Echo.Client(new TBinaryProtocol(transport));
            System.out.printf("%s: add(2, 3) = %d%n", name, client.add(2, 3));
            try
            {
                client.fail("no reason");
            }
            catch (final EchoError expected)
            {
                System.out.printf("%s: fail() threw EchoError(%s), as declared%n", name, expected.getReason());
            }
            final long[] medians = new long[SIZES.length];
            final Random random = new Random(1);
            for (int s = 0; s < SIZES.length; s++)
            {
                final byte[] data = new byte[SIZES[s]];
                final long[] rtt = new long[CALLS];
                for (int i = -WARM_UP; i < CALLS; i++)
                {
                    random.nextBytes(data);
                    final long start = System.nanoTime();
                    final ByteBuffer reply = client.echo(ByteBuffer.wrap(data));
                    final long elapsed = System.nanoTime() - start;
                    if (!reply.equals(ByteBuffer.wrap(data)))
                    {
                        throw new IllegalStateException(name + ": echo of " + data.length +
                            " bytes came back different");
                    }
                    if (i >= 0)
                    {
                        rtt[i] = elapsed;
                    }
                }
                Arrays.sort(rtt);
                medians[s] = rtt[CALLS / 2];
                System.out.printf("%s: echo %6d B x %d, every reply intact, p50 %.1f us, p99 %.1f us%n", name,
                    data.length, CALLS, rtt[CALLS / 2] / 1e3, rtt[CALLS * 99 / 100] / 1e3);
            }
            return medians;
        }
        finally
        {
            transport.close();
        }
    }
}
