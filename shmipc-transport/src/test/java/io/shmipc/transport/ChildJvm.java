package io.shmipc.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A second JVM running one of the test main classes, started the way {@code io.shmipc.demo.JavaProcess} does it
 * (this JVM's java, class path and the flags the code needs), with extra environment variables and system
 * properties. Its stderr goes to a file, shown when it fails; it stops when its stdin closes.
 */
public final class ChildJvm implements AutoCloseable
{
    private static final long STARTUP_SECONDS = 30;
    private static final long STOP_SECONDS = 20;

    private final Process process;
    private final Path stderr;
    private final BufferedReader stdout;

    private ChildJvm(final Process process, final Path stderr)
    {
        this.process = process;
        this.stderr = stderr;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * @param mainClass  the class to run.
     * @param args       its arguments.
     * @param env        environment variables added to this JVM's.
     * @param properties {@code -D} system properties.
     * @param logDir     where its stderr file goes.
     * @return the running process.
     */
    public static ChildJvm start(final Class<?> mainClass, final List<String> args, final Map<String, String> env,
        final Map<String, String> properties, final Path logDir) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23)
        {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        final Path stderr = Files.createTempFile(logDir, mainClass.getSimpleName(), ".err");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().putAll(env);
        return new ChildJvm(builder.start(), stderr);
    }

    /**
     * Wait for a stdout line starting with {@code prefix}.
     *
     * @return the rest of that line, trimmed.
     * @throws AssertionError with the child's stderr when it exits first or takes too long.
     */
    public String awaitLine(final String prefix) throws Exception
    {
        // Read on a thread of its own: the common pool may be busy with a test's blocking load.
        final CompletableFuture<String> line = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                for (String l = stdout.readLine(); l != null; l = stdout.readLine())
                {
                    if (l.startsWith(prefix))
                    {
                        return l.substring(prefix.length()).trim();
                    }
                }
                return null;
            }
            catch (final IOException ex)
            {
                return null;
            }
        }, runnable ->
        {
            final Thread reader = new Thread(runnable, "child-jvm-stdout");
            reader.setDaemon(true);
            reader.start();
        });
        final String found;
        try
        {
            found = line.get(STARTUP_SECONDS, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            throw new AssertionError("child JVM printed no '" + prefix + "' line; stderr:\n" + stderr());
        }
        if (found == null)
        {
            throw new AssertionError("child JVM exited before printing '" + prefix + "'; stderr:\n" + stderr());
        }
        return found;
    }

    /**
     * @return the child's process id.
     */
    public long pid()
    {
        return process.pid();
    }

    /**
     * Close its stdin (a graceful stop) and wait for it.
     *
     * @return its exit code.
     */
    public int stop() throws Exception
    {
        process.getOutputStream().close();
        if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child JVM did not stop; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    /**
     * Send SIGTERM and wait for it to exit.
     *
     * @return its exit code.
     */
    public int terminate() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child JVM ignored SIGTERM; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    /**
     * Kill it at once (SIGKILL), as a crash would.
     */
    public void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * @return what it wrote to stderr so far.
     */
    public String stderr()
    {
        try
        {
            return Files.readString(stderr);
        }
        catch (final IOException ex)
        {
            return "(unreadable: " + ex + ")";
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            kill();
        }
    }
}
