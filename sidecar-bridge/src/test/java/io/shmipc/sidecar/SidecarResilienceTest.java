package io.shmipc.sidecar;

import io.shmipc.transport.ChecksumEcho;
import io.shmipc.transport.ChildJvm;
import io.shmipc.transport.RemoteApplicationException;
import io.shmipc.transport.Response;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.RpcException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The mesh when a piece dies: the upstream killed with calls in flight, the bridge stopped and started again while
 * the app keeps calling with the same client.
 */
@Timeout(90)
class SidecarResilienceTest
{
    private static final long RECOVERY_MILLIS = 20_000;
    private static final long RETRY_PAUSE_MILLIS = 50;
    private static final int IN_FLIGHT = 8;

    @TempDir
    Path dir;

    @Test
    void shouldFailInFlightCallsClearlyWhenTheUpstreamDiesAndRecoverWhenItReturns() throws Exception
    {
        final String upstreamAddress = Mesh.freeLoopbackAddress();
        final String socket = dir.resolve("egress.sock").toString();
        ChildJvm upstream = Mesh.startUpstream(upstreamAddress, dir);
        upstream.awaitLine(UpstreamServerMain.READY);
        final Map.Entry<ChildJvm, Map<String, String>> bridge = Mesh.startBridge(
            Mesh.bridgeArgs(socket, "127.0.0.1:0", "--route", "*=" + upstreamAddress), dir);
        try (RpcClient app = Mesh.appClient(socket, bridge.getValue().get("egress-tcp"), Duration.ofSeconds(10)))
        {
            assertEcho(app);
            final List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++)
            {
                inFlight.add(app.callAsync(Mesh.call("slow", "any", ChecksumEcho.request(new Random(i), 1024))));
            }
            // Killed only once every call is in the upstream's hands: one still on its way through the bridge
            // would fail as unreachable instead.
            for (int i = 0; i < IN_FLIGHT; i++)
            {
                upstream.awaitLine(UpstreamServerMain.SLOW_STARTED);
            }
            upstream.kill();
            for (final CompletableFuture<Response> call : inFlight)
            {
                final ExecutionException ex = assertThrows(ExecutionException.class,
                    () -> call.get(10, TimeUnit.SECONDS));
                final RemoteApplicationException reason = assertInstanceOf(RemoteApplicationException.class,
                    ex.getCause());
                assertTrue(reason.getMessage().contains("sidecar: connection_lost"), reason.getMessage());
            }
            final RemoteApplicationException down = assertThrows(
                RemoteApplicationException.class, () -> app.call(Mesh.call("echo", "any",
                    ChecksumEcho.request(new Random(9), 8))));
            assertTrue(down.getMessage().contains("sidecar: unreachable"), down.getMessage());

            upstream = Mesh.startUpstream(upstreamAddress, dir);
            upstream.awaitLine(UpstreamServerMain.READY);
            awaitEcho(app);
            assertEquals(0, bridge.getKey().terminate(), bridge.getKey().stderr());
        }
        finally
        {
            bridge.getKey().close();
            upstream.close();
        }
    }

    @Test
    void shouldQueueCallsBeyondTheRelayLimitAndAnswerThemAll() throws Exception
    {
        final String socket = dir.resolve("egress.sock").toString();
        final ChildJvm upstream = Mesh.startUpstream("127.0.0.1:0", dir);
        final String upstreamAddress = upstream.awaitLine(UpstreamServerMain.READY);
        final Map.Entry<ChildJvm, Map<String, String>> bridge = Mesh.startBridge(
            Mesh.bridgeArgs(socket, "127.0.0.1:0", "--route", "*=" + upstreamAddress, "--workers", "1"), dir);
        try (RpcClient app = Mesh.appClient(socket, bridge.getValue().get("egress-tcp"), Duration.ofSeconds(20)))
        {
            assertEcho(app);
            final long start = System.nanoTime();
            final List<UnsafeBuffer> payloads = new ArrayList<>();
            final List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 2; i++)
            {
                payloads.add(ChecksumEcho.request(new Random(40 + i), 1024));
                calls.add(app.callAsync(Mesh.call("slow", "any", payloads.get(i))));
            }
            for (int i = 0; i < 2; i++)
            {
                assertTrue(ChecksumEcho.verify(payloads.get(i), calls.get(i).get(20, TimeUnit.SECONDS).payload()),
                    "call " + i + " waited for the permit and was relayed, not refused");
            }
            final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // One relayed at a time: the second reached the upstream only once the first was answered.
            assertTrue(elapsedMillis >= 2 * UpstreamServerMain.SLOW_MILLIS - 100, elapsedMillis + " ms");
            assertEquals(0, bridge.getKey().terminate(), bridge.getKey().stderr());
        }
        finally
        {
            bridge.getKey().close();
            upstream.close();
        }
    }

    @Test
    void shouldDrainOnSigtermThenLetTheSameAppClientRecoverWhenTheBridgeRestarts() throws Exception
    {
        final String socket = dir.resolve("egress.sock").toString();
        final String tcp = Mesh.freeLoopbackAddress();
        final ChildJvm upstream = Mesh.startUpstream("127.0.0.1:0", dir);
        final String upstreamAddress = upstream.awaitLine(UpstreamServerMain.READY);
        final List<String> args = Mesh.bridgeArgs(socket, tcp, "--route", "*=" + upstreamAddress);
        Map.Entry<ChildJvm, Map<String, String>> bridge = Mesh.startBridge(args, dir);
        try (RpcClient app = Mesh.appClient(socket, tcp, Duration.ofSeconds(5)))
        {
            assertEcho(app);
            final UnsafeBuffer slowPayload = ChecksumEcho.request(new Random(11), 4096);
            final CompletableFuture<Response> inFlight = app.callAsync(Mesh.call("slow", "any", slowPayload));
            // SIGTERM only once the call is in flight through the bridge: one that had not reached it yet could
            // meet a drain already quiet, and be cut.
            upstream.awaitLine(UpstreamServerMain.SLOW_STARTED);

            assertEquals(0, bridge.getKey().terminate(), "drained and exited 0; stderr:\n" + bridge.getKey().stderr());
            assertTrue(ChecksumEcho.verify(slowPayload, inFlight.get(5, TimeUnit.SECONDS).payload()),
                "the call in flight at SIGTERM was finished, not dropped");
            assertTrue(bridge.getKey().stderr().contains("session closed"), bridge.getKey().stderr());

            final RpcException gap = assertThrows(RpcException.class,
                () -> app.call(Mesh.call("echo", "any", ChecksumEcho.request(new Random(12), 8))));
            assertTrue(gap.getMessage() != null && !gap.getMessage().isBlank(), "a clear failure: " + gap);

            bridge = Mesh.startBridge(args, dir);
            awaitEcho(app);
        }
        finally
        {
            bridge.getKey().close();
            upstream.close();
        }
    }

    private static void assertEcho(final RpcClient app)
    {
        final UnsafeBuffer payload = ChecksumEcho.request(new Random(5), 512);
        assertTrue(ChecksumEcho.verify(payload, app.call(Mesh.call("echo", "any", payload)).payload()));
    }

    /**
     * Keep calling (bounded) until a call goes through again; every failure on the way must be a clear RpcException.
     */
    private static void awaitEcho(final RpcClient app) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECOVERY_MILLIS);
        RpcException last = null;
        while (System.nanoTime() - deadline < 0)
        {
            try
            {
                assertEcho(app);
                return;
            }
            catch (final RpcException ex)
            {
                last = ex;
                Thread.sleep(RETRY_PAUSE_MILLIS);
            }
        }
        fail("no recovery within " + RECOVERY_MILLIS + " ms; last failure: " + last);
    }
}
