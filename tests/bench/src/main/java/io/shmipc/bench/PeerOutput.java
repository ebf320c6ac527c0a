package io.shmipc.bench;

import io.shmipc.bench.peer.PeerProtocol;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a client peer's output until it exits, turning {@link PeerProtocol#RESULT} lines into results and
 * {@link PeerProtocol#PROGRESS} lines into progress, while watching its servers for errors.
 */
public final class PeerOutput
{
    private static final long POLL_MILLIS = 200;
    private static final long EXIT_WAIT_MILLIS = 10_000;

    private PeerOutput()
    {
    }

    /**
     * @param client        the client peer.
     * @param servers       the servers it talks to, watched for error lines.
     * @param timeoutMillis the most the whole client run may take.
     * @param progress      progress line.
     * @return the results the client printed.
     * @throws PayloadMismatchException when any peer reports a payload mismatch.
     * @throws IOException when a peer fails otherwise.
     * @throws TimeoutException when the client does not finish in time.
     * @throws InterruptedException when interrupted.
     */
    public static List<BenchResult> collect(
        final PeerProcess client,
        final List<PeerProcess> servers,
        final long timeoutMillis,
        final ProgressLine progress) throws IOException, TimeoutException, InterruptedException
    {
        final List<BenchResult> results = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true)
        {
            checkServers(servers);
            if (System.nanoTime() - deadline > 0)
            {
                throw new TimeoutException(client.name() + " did not finish within " + timeoutMillis / 1000 + " s");
            }
            final String line;
            try
            {
                line = client.nextLine(POLL_MILLIS);
            }
            catch (final TimeoutException e)
            {
                continue;
            }
            if (line == null)
            {
                break;
            }
            if (line.startsWith(PeerProtocol.RESULT))
            {
                results.add(parseResult(client, line.substring(PeerProtocol.RESULT.length())));
            }
            else if (line.startsWith(PeerProtocol.PROGRESS))
            {
                progress.detail(line.substring(PeerProtocol.PROGRESS.length()));
            }
            else if (line.startsWith(PeerProtocol.ERROR))
            {
                failWith(client, line.substring(PeerProtocol.ERROR.length()));
            }
        }
        final int exitCode = client.awaitExit(EXIT_WAIT_MILLIS);
        checkServers(servers);
        if (exitCode != 0)
        {
            throw new IOException(client.name() + " exited with code " + exitCode + client.stderrSuffix());
        }
        return results;
    }

    private static void checkServers(final List<PeerProcess> servers) throws IOException
    {
        for (final PeerProcess server : servers)
        {
            final String error = server.errorLine();
            if (error != null)
            {
                failWith(server, error);
            }
            if (!server.isAlive())
            {
                throw new IOException(server.name() + " exited unexpectedly" + server.stderrSuffix());
            }
        }
    }

    private static void failWith(final PeerProcess peer, final String message) throws IOException
    {
        if (message.startsWith(PayloadMismatchException.MESSAGE_PREFIX))
        {
            throw new PayloadMismatchException(
                message.substring(PayloadMismatchException.MESSAGE_PREFIX.length()).replaceFirst("^: ", "") +
                " (reported by " + peer.name() + ")");
        }
        throw new IOException(peer.name() + " failed: " + message);
    }

    private static BenchResult parseResult(final PeerProcess client, final String json) throws IOException
    {
        try
        {
            if (Json.parse(json) instanceof Map<?, ?> map)
            {
                return BenchResult.fromJsonMap(map);
            }
            throw new IllegalArgumentException("not a JSON object");
        }
        catch (final IllegalArgumentException e)
        {
            throw new IOException(client.name() + " printed a bad result line (" + e.getMessage() + "): " + json, e);
        }
    }
}
