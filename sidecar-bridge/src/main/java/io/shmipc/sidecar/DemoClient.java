package io.shmipc.sidecar;

import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.Request;
import io.shmipc.transport.Response;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.codec.IntInfoKey;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.Random;

/**
 * {@code ./shmipc sidecar demo-client SOCKET TCP SERVICE [CALLS]}: an app of the mesh. Calls {@code SERVICE}
 * through the bridge (shared memory on {@code SOCKET}, TCP fallback {@code TCP}) with payloads from 16 B to 256 KB,
 * checks that each echo came back byte for byte, and says which path the calls took. Exits 1 on any failure.
 */
final class DemoClient
{
    private static final int DEFAULT_CALLS = 200;
    private static final int MIN_PAYLOAD = 16;
    private static final int MAX_PAYLOAD = 256 << 10;
    /** Payload sizes are 16 B times a power of two up to 2^14, i.e. 16 B to 256 KB. */
    private static final int SIZE_STEPS = 15;
    /** Generous: the first calls run on a cold JVM and may share a small machine. */
    private static final String RPC_TIMEOUT_MILLIS = "10000";

    private DemoClient()
    {
    }

    static int run(final String[] args)
    {
        if (args.length < 3)
        {
            System.err.println("usage: ./shmipc sidecar demo-client SOCKET TCP SERVICE [CALLS]");
            return 2;
        }
        final int calls = args.length > 3 ? Integer.parseInt(args[3]) : DEFAULT_CALLS;
        final ClientOptions.Builder options = ClientOptions.builder().target(args[1]);
        options.shm().enabled(true).path(args[0]);
        final Random random = new Random(1);
        try (RpcClient client = RpcClient.create(options.build()))
        {
            Response last = null;
            long bytes = 0;
            final long start = System.nanoTime();
            for (int i = 0; i < calls; i++)
            {
                final byte[] payload = new byte[Math.min(MAX_PAYLOAD, MIN_PAYLOAD << random.nextInt(SIZE_STEPS))];
                random.nextBytes(payload);
                last = client.call(Request.builder("echo").payload(new UnsafeBuffer(payload))
                    .intInfo(IntInfoKey.TO_SERVICE, args[2])
                    .intInfo(IntInfoKey.RPC_TIMEOUT, RPC_TIMEOUT_MILLIS).build());
                final byte[] echoed = new byte[last.payload().capacity()];
                last.payload().getBytes(0, echoed);
                if (!Arrays.equals(payload, echoed))
                {
                    System.err.println("demo-client: call " + i + " came back altered");
                    return 1;
                }
                bytes += payload.length;
            }
            final long micros = (System.nanoTime() - start) / 1_000;
            System.out.printf("demo-client: %d calls to '%s' via %s, %d bytes echoed intact, %d us per call%n",
                calls, args[2], last != null ? last.callInfo() : "-", bytes, calls > 0 ? micros / calls : 0);
            return 0;
        }
        catch (final RpcException ex)
        {
            System.err.println("demo-client: " + ex.getMessage());
            return 1;
        }
    }
}
