package io.shmipc.transport;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This JVM calls an {@link RpcServer} running in a second JVM over TCP loopback, with checksummed payloads.
 */
@Timeout(90)
class CrossProcessTcpTest
{
    private static final int CALLS = 400;
    private static final int WINDOW = 16;
    private static final long STARTUP_SECONDS = 30;
    private static final long CALL_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    void shouldCallServerInAnotherJvmWithIntactPayloads() throws Exception
    {
        final Path stderr = dir.resolve("server.err");
        final Process server = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"),
            TcpEchoServerMain.class.getName())
            .redirectError(stderr.toFile())
            .start();
        try
        {
            final String address = awaitAddress(server, stderr);
            try (RpcClient client = RpcClient.create(ClientOptions.builder().target(address).connectionsPerAddress(2)
                .build()))
            {
                final Random random = new Random(2024);
                for (int start = 0; start < CALLS; start += WINDOW)
                {
                    final List<UnsafeBuffer> requests = new ArrayList<>();
                    final List<CompletableFuture<Response>> replies = new ArrayList<>();
                    for (int i = 0; i < WINDOW; i++)
                    {
                        final int size = random.nextInt(10) == 0 ? 200_000 + random.nextInt(300_000) :
                            random.nextInt(2048);
                        requests.add(ChecksumEcho.request(random, size));
                        replies.add(client.callAsync(Request.of(ChecksumEcho.METHOD, requests.get(i))));
                    }
                    for (int i = 0; i < WINDOW; i++)
                    {
                        final Response response = replies.get(i).get(CALL_SECONDS, TimeUnit.SECONDS);
                        assertTrue(ChecksumEcho.verify(requests.get(i), response.payload()),
                            "call " + (start + i) + " came back damaged");
                        assertEquals(TransportKind.TCP, response.callInfo().transport());
                    }
                }
                assertEquals(CALLS, client.metrics().calls(TransportKind.TCP));
                assertEquals(0, client.metrics().failedCalls());
            }
            server.getOutputStream().close();
            assertTrue(server.waitFor(CALL_SECONDS, TimeUnit.SECONDS), "server process did not exit");
            assertEquals(0, server.exitValue(), Files.readString(stderr));
        }
        finally
        {
            server.destroyForcibly();
        }
    }

    private static String awaitAddress(final Process server, final Path stderr) throws Exception
    {
        final CompletableFuture<String> line = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                final BufferedReader reader = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
                for (String l = reader.readLine(); l != null; l = reader.readLine())
                {
                    if (l.startsWith(TcpEchoServerMain.READY_PREFIX))
                    {
                        return l.substring(TcpEchoServerMain.READY_PREFIX.length()).trim();
                    }
                }
                return null;
            }
            catch (final java.io.IOException ex)
            {
                return null;
            }
        });
        final String address;
        try
        {
            address = line.get(STARTUP_SECONDS, TimeUnit.SECONDS);
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            throw new AssertionError("server process did not report its address; stderr:\n" +
                Files.readString(stderr));
        }
        assertNotNull(address, () -> "server process exited early; stderr:\n" + readQuietly(stderr));
        return address;
    }

    private static String readQuietly(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final java.io.IOException ex)
        {
            return "(unreadable: " + ex + ")";
        }
    }
}
