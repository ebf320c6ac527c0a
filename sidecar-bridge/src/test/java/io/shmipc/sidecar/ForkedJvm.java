package io.shmipc.sidecar;

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
 * A separate JVM running one main class with this JVM's java, class path and the flags shmipc needs (the idea of
 * the demo's {@code JavaProcess}). Its stderr goes to a file that failures show.
 */
final class ForkedJvm implements AutoCloseable
{
    private static final long STARTUP_SECONDS = 30;
    private static final long EXIT_SECONDS = 20;

    private final Process process;
    private final Path stderr;
    private final BufferedReader stdout;

    private ForkedJvm(final Process process, final Path stderr)
    {
        this.process = process;
        this.stderr = stderr;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static ForkedJvm start(final Class<?> mainClass, final List<String> args, final Map<String, String> env,
        final Path logDir) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23)
        {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        final Path stderr = Files.createTempFile(logDir, mainClass.getSimpleName(), ".err");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().putAll(env);
        return new ForkedJvm(builder.start(), stderr);
    }

    /**
     * @return the rest of the first stdout line starting with {@code prefix}.
     * @throws AssertionError with the child's stderr when it exits first or takes too long.
     */
    String awaitLine(final String prefix) throws Exception
    {
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
     * Send SIGTERM and wait for the exit.
     *
     * @return the exit status.
     */
    int terminate() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child JVM ignored SIGTERM; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    /**
     * SIGKILL, as a crash would.
     */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
    }

    String stderr()
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
