package io.shmipc.bench;

import io.shmipc.bench.peer.PeerProtocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A forked peer process (a JVM or the Go program) whose stdout lines are queued for the harness and whose stderr is
 * kept as a short tail for error messages. Closing it closes its stdin (servers stop on that), waits briefly and then
 * destroys it forcibly; a shutdown hook does the same for every peer still alive when the harness exits.
 */
public final class PeerProcess implements AutoCloseable
{
    private static final Set<PeerProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final long EXIT_GRACE_MILLIS = 3_000;
    private static final int STDERR_TAIL_LINES = 15;
    /** Marks the end of stdout in the line queue. */
    private static final String END_OF_OUTPUT = new String("<end of output>");

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(PeerProcess::destroyAll, "shmipc-bench-peer-reaper"));
    }

    private final String name;
    private final Process process;
    private final boolean stopsOnSignal;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final ArrayDeque<String> stderrTail = new ArrayDeque<>();
    private volatile String errorLine;
    private boolean closed;

    private PeerProcess(final String name, final Process process, final boolean stopsOnSignal)
    {
        this.name = name;
        this.process = process;
        this.stopsOnSignal = stopsOnSignal;
    }

    /**
     * Starts a peer.
     *
     * @param name    names the peer in messages, e.g. {@code "tcp server"}.
     * @param command the full command line.
     * @return the running peer.
     * @throws IOException when the process cannot start.
     */
    public static PeerProcess start(final String name, final List<String> command) throws IOException
    {
        return start(name, new ProcessBuilder(command), false);
    }

    /**
     * Starts a peer that ignores its stdin and drains and exits on SIGTERM (the sidecar bridge): closing it sends
     * SIGTERM before it waits.
     *
     * @param name    names the peer in messages.
     * @param builder the command line and environment.
     * @return the running peer.
     * @throws IOException when the process cannot start.
     */
    public static PeerProcess startStoppedBySignal(final String name, final ProcessBuilder builder)
        throws IOException
    {
        return start(name, builder, true);
    }

    private static PeerProcess start(final String name, final ProcessBuilder builder, final boolean stopsOnSignal)
        throws IOException
    {
        final Process process;
        try
        {
            process = builder.start();
        }
        catch (final IOException e)
        {
            throw new IOException(
                "cannot start " + name + " (" + builder.command().get(0) + "): " + e.getMessage(), e);
        }
        final PeerProcess peer = new PeerProcess(name, process, stopsOnSignal);
        LIVE.add(peer);
        peer.pump(process.getInputStream(), true);
        peer.pump(process.getErrorStream(), false);
        return peer;
    }

    /**
     * @return the peer's process id.
     */
    public long pid()
    {
        return process.pid();
    }

    /**
     * @return the peer's name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the first {@link PeerProtocol#ERROR} line's message, or null.
     */
    public String errorLine()
    {
        return errorLine;
    }

    /**
     * Waits for the next stdout line.
     *
     * @param timeoutMillis the most to wait.
     * @return the line, or {@code null} when stdout has ended.
     * @throws TimeoutException when no line came in time.
     * @throws InterruptedException when interrupted.
     */
    public String nextLine(final long timeoutMillis) throws TimeoutException, InterruptedException
    {
        final String line = lines.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (line == null)
        {
            throw new TimeoutException(name + " printed nothing for " + timeoutMillis + " ms");
        }
        if (line == END_OF_OUTPUT)
        {
            lines.add(END_OF_OUTPUT);
            return null;
        }
        return line;
    }

    /**
     * Waits for the {@link PeerProtocol#READY} line of a server.
     *
     * @param timeoutMillis the most to wait.
     * @return the endpoint the server printed.
     * @throws IOException when the server failed or exited before it was ready.
     * @throws TimeoutException when it was not ready in time.
     * @throws InterruptedException when interrupted.
     */
    public String awaitReady(final long timeoutMillis) throws IOException, TimeoutException, InterruptedException
    {
        return awaitLine(PeerProtocol.READY, timeoutMillis);
    }

    /**
     * Waits for the first stdout line that starts with {@code prefix}, failing early on a
     * {@link PeerProtocol#ERROR} line or the peer's exit.
     *
     * @param prefix        how the line starts.
     * @param timeoutMillis the most to wait.
     * @return the rest of the line after the prefix, trimmed.
     * @throws IOException when the peer failed or exited before printing it.
     * @throws TimeoutException when it did not print it in time.
     * @throws InterruptedException when interrupted.
     */
    public String awaitLine(final String prefix, final long timeoutMillis)
        throws IOException, TimeoutException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true)
        {
            final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0)
            {
                throw new TimeoutException(name + " was not ready within " + timeoutMillis + " ms" + stderrSuffix());
            }
            final String line = nextLine(left);
            if (line == null)
            {
                throw new IOException(name + " exited before it was ready" +
                    (errorLine != null ? ": " + errorLine : stderrSuffix()));
            }
            if (line.startsWith(prefix))
            {
                return line.substring(prefix.length()).trim();
            }
            if (line.startsWith(PeerProtocol.ERROR))
            {
                throw new IOException(name + " failed to start: " + line.substring(PeerProtocol.ERROR.length()));
            }
        }
    }

    /**
     * @return whether the process is still running.
     */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Waits for the process to exit.
     *
     * @param timeoutMillis the most to wait.
     * @return the exit code, or -1 if it is still running.
     * @throws InterruptedException when interrupted.
     */
    public int awaitExit(final long timeoutMillis) throws InterruptedException
    {
        return process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /**
     * @return the last lines the peer wrote to stderr, prefixed for an error message, or an empty string.
     */
    public String stderrSuffix()
    {
        synchronized (stderrTail)
        {
            return stderrTail.isEmpty() ? "" : "; its stderr ends with:\n    " + String.join("\n    ", stderrTail);
        }
    }

    /**
     * Stops the peer: closes its stdin (and sends SIGTERM to a peer that stops on a signal), waits a little, then
     * destroys it forcibly. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException e)
        {
            // already gone
        }
        if (stopsOnSignal)
        {
            process.destroy();
        }
        try
        {
            if (!process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS))
            {
                destroy();
            }
        }
        catch (final InterruptedException e)
        {
            destroy();
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    private void destroy()
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try
        {
            process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void destroyAll()
    {
        for (final PeerProcess peer : LIVE)
        {
            peer.destroy();
        }
    }

    private void pump(final InputStream stream, final boolean stdout)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    if (stdout)
                    {
                        if (line.startsWith(PeerProtocol.ERROR) && errorLine == null)
                        {
                            errorLine = line.substring(PeerProtocol.ERROR.length());
                        }
                        lines.add(line);
                    }
                    else
                    {
                        keepStderr(line);
                    }
                }
            }
            catch (final IOException e)
            {
                // the process ended
            }
            finally
            {
                if (stdout)
                {
                    lines.add(END_OF_OUTPUT);
                }
            }
        }, name + (stdout ? "-stdout" : "-stderr"));
        thread.setDaemon(true);
        thread.start();
    }

    private void keepStderr(final String line)
    {
        synchronized (stderrTail)
        {
            if (stderrTail.size() == STDERR_TAIL_LINES)
            {
                stderrTail.removeFirst();
            }
            stderrTail.addLast(line);
        }
    }
}
