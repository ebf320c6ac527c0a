package io.shmipc.sidecar;

import io.shmipc.transport.ChecksumEcho;
import io.shmipc.transport.ChildJvm;
import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.RemoteApplicationException;
import io.shmipc.transport.Request;
import io.shmipc.transport.Response;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.TransportKind;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.StringInfoKeys;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * App (this JVM, shared-memory client) → bridge JVM → upstream server JVM over loopback TCP, and back; plus the
 * ingress path: a TCP caller → bridge → the app's shared-memory server in this JVM. One bridge and one upstream
 * serve every test here; the tests that kill or restart them are in {@link SidecarResilienceTest}.
 */
@Timeout(60)
class SidecarEndToEndTest
{
    private static final Duration APP_CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int CONCURRENCY = 64;
    private static final int CALLS_PER_THREAD = 16;

    @TempDir
    static Path dir;

    private static ChildJvm upstream;
    private static String upstreamAddress;
    private static ChildJvm bridge;
    private static Map<String, String> bridgeAddresses;
    private static RpcServer localApp;
    private static ServerSocket garbageUpstream;
    private static Thread garbageWriter;
    private static RpcClient app;

    @BeforeAll
    static void startMesh() throws Exception
    {
        upstream = Mesh.startUpstream("127.0.0.1:0", dir);
        upstreamAddress = upstream.awaitLine(UpstreamServerMain.READY);

        final ServerOptions.Builder appServer = ServerOptions.builder((context, request) ->
        {
            context.putResponseStringInfo(UpstreamServerMain.SEEN_RIP,
                context.stringInfo().getOrDefault(StringInfoKeys.REMOTE_IP, "none"));
            return ChecksumEcho.respond(request);
        }).drainTimeout(Duration.ofSeconds(1));
        appServer.shm().enabled(true).path(dir.resolve("app.sock").toString());
        localApp = RpcServer.start(appServer.build());

        garbageUpstream = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        garbageUpstream.setSoTimeout(30_000);
        garbageWriter = new Thread(SidecarEndToEndTest::answerWithGarbage, "garbage-upstream");
        garbageWriter.setDaemon(true);
        garbageWriter.start();

        final String socket = dir.resolve("egress.sock").toString();
        final Map.Entry<ChildJvm, Map<String, String>> started = Mesh.startBridge(Mesh.bridgeArgs(
            socket, "127.0.0.1:0",
            "--route", "echo=" + upstreamAddress,
            "--route", "gone=" + Mesh.freeLoopbackAddress(),
            "--route", "garbage=127.0.0.1:" + garbageUpstream.getLocalPort(),
            "--allow-dest-address", "true",
            "--ingress", "127.0.0.1:0",
            "--app-socket", dir.resolve("app.sock").toString(),
            "--app-tcp", localApp.tcpAddress()), dir);
        bridge = started.getKey();
        bridgeAddresses = started.getValue();
        app = Mesh.appClient(socket, bridgeAddresses.get("egress-tcp"), APP_CALL_TIMEOUT);
    }

    @AfterAll
    static void stopMesh() throws Exception
    {
        if (app != null)
        {
            app.close();
        }
        if (bridge != null)
        {
            assertEquals(0, bridge.terminate(), "a drained bridge exits 0; stderr:\n" + bridge.stderr());
        }
        if (upstream != null)
        {
            upstream.close();
        }
        if (localApp != null)
        {
            localApp.close();
        }
        if (garbageUpstream != null)
        {
            garbageUpstream.close();
            garbageWriter.join(5_000);
        }
    }

    /**
     * An upstream that answers the first bytes of a call with a frame no codec accepts, once per connection.
     */
    private static void answerWithGarbage()
    {
        while (!garbageUpstream.isClosed())
        {
            try (Socket peer = garbageUpstream.accept())
            {
                peer.setSoTimeout(10_000);
                if (peer.getInputStream().read() >= 0)
                {
                    peer.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3, 4});
                    peer.getOutputStream().flush();
                    peer.getInputStream().read(new byte[1 << 16]);
                }
            }
            catch (final IOException ex)
            {
                // closed by the bridge after the garbage, or the test is over
            }
        }
    }

    @Test
    void shouldRelay64ConcurrentChecksummedCallsOverSharedMemoryAndBack() throws Exception
    {
        final ExecutorService callers = Executors.newFixedThreadPool(CONCURRENCY);
        try
        {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < CONCURRENCY; t++)
            {
                final long seed = t;
                results.add(callers.submit(() ->
                {
                    final Random random = new Random(seed);
                    int good = 0;
                    for (int i = 0; i < CALLS_PER_THREAD; i++)
                    {
                        final UnsafeBuffer request = ChecksumEcho.request(random, random.nextInt(16 * 1024));
                        final Response response = app.call(Mesh.call("echo", "echo", request));
                        assertEquals(TransportKind.SHM, response.callInfo().transport(), response.toString());
                        assertNotNull(response.stringInfo().get(UpstreamServerMain.SERVED_BY),
                            "the reply's header keys come from the upstream");
                        assertEquals(Integer.toString(response.seqId()),
                            response.stringInfo().get(UpstreamServerMain.SEEN_SEQ),
                            "the upstream saw the app's own seq id");
                        if (ChecksumEcho.verify(request, response.payload()))
                        {
                            good++;
                        }
                    }
                    return good;
                }));
            }
            int good = 0;
            for (final Future<Integer> result : results)
            {
                good += result.get(45, TimeUnit.SECONDS);
            }
            assertEquals(CONCURRENCY * CALLS_PER_THREAD, good, "every reply checks out");
        }
        finally
        {
            callers.shutdownNow();
        }
    }

    @Test
    void shouldKeepEachAppsSeqIdWhenTwoAppsHaveTheSameOneInFlight() throws Exception
    {
        try (RpcClient otherApp = Mesh.appClient(dir.resolve("egress.sock").toString(),
            bridgeAddresses.get("egress-tcp"), APP_CALL_TIMEOUT))
        {
            final UnsafeBuffer first = ChecksumEcho.request(new Random(21), 4096);
            final UnsafeBuffer second = ChecksumEcho.request(new Random(22), 4096);
            final var one = app.callAsync(Request.builder("slow").payload(first)
                .intInfo(IntInfoKey.TO_SERVICE, "echo").seqId(424_242).build());
            final var two = otherApp.callAsync(Request.builder("slow").payload(second)
                .intInfo(IntInfoKey.TO_SERVICE, "echo").seqId(424_242).build());
            final Response oneReply = one.get(10, TimeUnit.SECONDS);
            final Response twoReply = two.get(10, TimeUnit.SECONDS);
            assertTrue(ChecksumEcho.verify(first, oneReply.payload()), "each app gets its own reply");
            assertTrue(ChecksumEcho.verify(second, twoReply.payload()), "each app gets its own reply");
            assertEquals("424242", oneReply.stringInfo().get(UpstreamServerMain.SEEN_SEQ));
            assertEquals("424242", twoReply.stringInfo().get(UpstreamServerMain.SEEN_SEQ));
        }
    }

    @Test
    void shouldPassTheAclTokenAndIntegerKeysNoEnumNamesThroughTheBridgeBothWays()
    {
        final UnsafeBuffer payload = ChecksumEcho.request(new Random(5), 256);
        final Response response = app.call(Request.builder("echo").payload(payload)
            .intInfo(IntInfoKey.TO_SERVICE, "echo").intInfo(4711, "unnamed").aclToken("acl-token").build());
        assertTrue(ChecksumEcho.verify(payload, response.payload()));
        assertEquals("acl-token", response.stringInfo().get(UpstreamServerMain.SEEN_ACL), "the upstream got it");
        assertEquals("unnamed", response.intInfo().get(4711), "to the upstream and back to the app");
    }

    @Test
    void shouldRelayLargePayloadsUntouched()
    {
        final Random random = new Random(42);
        for (final int size : new int[] {1 << 20, 6 << 20})
        {
            final UnsafeBuffer request = ChecksumEcho.request(random, size);
            final Response response = app.call(Mesh.call("echo", "echo", request));
            assertTrue(ChecksumEcho.verify(request, response.payload()), "payload of " + size + " bytes");
        }
    }

    @Test
    void shouldAnswerNoRouteWithAnApplicationExceptionAndKeepServing()
    {
        final RemoteApplicationException ex = assertThrows(RemoteApplicationException.class,
            () -> app.call(Mesh.call("echo", "nobody", ChecksumEcho.request(new Random(1), 8))));
        assertTrue(ex.getMessage().contains("sidecar: no route") && ex.getMessage().contains("ToService=nobody"),
            ex.getMessage());
        assertEchoWorks();
    }

    @Test
    void shouldAnswerUnreachableUpstreamWithAnApplicationException()
    {
        final RemoteApplicationException ex = assertThrows(RemoteApplicationException.class,
            () -> app.call(Mesh.call("echo", "gone", ChecksumEcho.request(new Random(2), 8))));
        assertTrue(ex.getMessage().contains("sidecar: unreachable"), ex.getMessage());
        assertEchoWorks();
    }

    @Test
    void shouldAnswerWithTimeoutWhenTheCallsRpcTimeoutExpires()
    {
        final Request slow = Request.builder("slow").payload(ChecksumEcho.request(new Random(3), 8))
            .intInfo(IntInfoKey.TO_SERVICE, "echo").intInfo(IntInfoKey.RPC_TIMEOUT, "200").build();
        final long start = System.nanoTime();
        final RemoteApplicationException ex = assertThrows(RemoteApplicationException.class, () -> app.call(slow));
        final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ex.getMessage().contains("sidecar: timeout"), ex.getMessage());
        assertTrue(tookMillis < UpstreamServerMain.SLOW_MILLIS, "RPCTimeout bounded the call: " + tookMillis + " ms");
        assertEchoWorks();
    }

    @Test
    void shouldAnswerConnectionLostWhenTheUpstreamSendsAMalformedFrame()
    {
        final RemoteApplicationException ex = assertThrows(RemoteApplicationException.class,
            () -> app.call(Mesh.call("echo", "garbage", ChecksumEcho.request(new Random(8), 8))));
        assertTrue(ex.getMessage().contains("sidecar: connection_lost"), ex.getMessage());
        assertEchoWorks();
    }

    @Test
    void shouldRouteByDestAddressWhenTheRequestNamesOne()
    {
        final UnsafeBuffer payload = ChecksumEcho.request(new Random(4), 64);
        final Request request = Request.builder("echo").payload(payload)
            .intInfo(IntInfoKey.TO_SERVICE, "nobody")
            .intInfo(IntInfoKey.DEST_ADDRESS, upstreamAddress).build();
        assertTrue(ChecksumEcho.verify(payload, app.call(request).payload()));
    }

    @Test
    void shouldRelayTheUpstreamsOwnApplicationException()
    {
        final RemoteApplicationException ex = assertThrows(RemoteApplicationException.class,
            () -> app.call(Mesh.call("fail", "echo", ChecksumEcho.request(new Random(5), 8))));
        assertTrue(ex.getMessage().contains("upstream refuses this call"), ex.getMessage());
        assertEquals(ex.getMessage().indexOf("server failed"), ex.getMessage().lastIndexOf("server failed"),
            "the upstream's text is relayed as it was, not wrapped a second time: " + ex.getMessage());
    }

    @Test
    void shouldDeliverIngressCallsToTheLocalAppWithTheCallersAddressInRip()
    {
        final ClientOptions.Builder options = ClientOptions.builder().target(bridgeAddresses.get("ingress"));
        options.shm().enabled(false);
        try (RpcClient caller = RpcClient.create(options.build()))
        {
            final UnsafeBuffer payload = ChecksumEcho.request(new Random(6), 100_000);
            final Response response = caller.call(Request.of("echo", payload));
            assertTrue(ChecksumEcho.verify(payload, response.payload()));
            final String rip = response.stringInfo().get(UpstreamServerMain.SEEN_RIP);
            assertTrue(rip != null && rip.contains("127.0.0.1"), "the app saw rip=" + rip);
        }
    }

    @Test
    void shouldCloseOnlyTheOffendingConnectionWhenAnAppSendsAMalformedFrame() throws Exception
    {
        final String[] hostPort = bridgeAddresses.get("egress-tcp").split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1])))
        {
            socket.setSoTimeout(10_000);
            final OutputStream out = socket.getOutputStream();
            // A TTHeader length and magic, then a header size pointing far beyond the frame.
            out.write(new byte[] {0, 0, 0, 12, 0x10, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x7f, 0, 0});
            out.flush();
            final InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "the bridge closes a connection that sent a malformed frame");
        }
        assertEchoWorks();
        final String metrics = metricsText();
        assertTrue(metrics.matches("(?s).*shmipc_sidecar_malformed_frames_total [1-9].*"), metrics);
    }

    @Test
    void shouldServeHealthAndPrometheusMetrics() throws Exception
    {
        assertEchoWorks();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HttpResponse<String> health = http.send(HttpRequest.newBuilder(
            URI.create("http://" + bridgeAddresses.get("admin") + "/health")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        final String metrics = metricsText();
        assertTrue(metrics.contains("# TYPE shmipc_sidecar_requests_total counter"), metrics);
        assertTrue(metrics.matches("(?s).*shmipc_sidecar_requests_total\\{direction=\"egress\"} [1-9].*"), metrics);
    }

    private static String metricsText() throws Exception
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + bridgeAddresses.get("admin") + "/metrics"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void assertEchoWorks()
    {
        final UnsafeBuffer payload = ChecksumEcho.request(new Random(7), 256);
        assertTrue(ChecksumEcho.verify(payload, app.call(Mesh.call("echo", "echo", payload)).payload()));
    }
}
