package io.shmipc.demo;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts another JVM running one of our main classes, with the same classpath and the JVM flags our code needs
 * (taken from the launcher's SHMIPC_JAVA / SHMIPC_JVM_FLAGS / SHMIPC_CLASSPATH when set, else from this JVM).
 */
public final class JavaProcess {
    /** Flags every JVM running shmipc code needs; the launcher and the Maven argLine use the same set. */
    public static final List<String> DEFAULT_FLAGS = List.of(
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED");

    private JavaProcess() {
    }

    /** The command line for {@code mainClass args...}, optionally pinned to one CPU with taskset. */
    public static List<String> command(final String mainClass, final List<String> args, final Integer cpu) {
        final Map<String, String> env = System.getenv();
        final String java = env.getOrDefault("SHMIPC_JAVA",
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        final String classpath = env.getOrDefault("SHMIPC_CLASSPATH", System.getProperty("java.class.path"));
        final List<String> command = new ArrayList<>();
        if (cpu != null) {
            command.addAll(List.of("taskset", "-c", cpu.toString()));
        }
        command.add(java);
        final String flags = env.get("SHMIPC_JVM_FLAGS");
        command.addAll(flags != null ? Arrays.asList(flags.trim().split("\\s+")) : DEFAULT_FLAGS);
        if (flags == null && Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(args);
        return command;
    }

    /** Starts the process with stderr inherited and stdout piped. */
    public static Process start(final String mainClass, final List<String> args, final Map<String, String> extraEnv)
        throws IOException {
        final ProcessBuilder builder = new ProcessBuilder(command(mainClass, args, null));
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(extraEnv);
        final Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return process;
    }

    /** Waits for a line equal to {@code marker} on the process's stdout; false on timeout or exit. */
    public static boolean awaitLine(final Process process, final String marker, final long timeoutMillis)
        throws InterruptedException {
        final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        final boolean[] seen = new boolean[1];
        final Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.trim().equals(marker)) {
                        synchronized (seen) {
                            seen[0] = true;
                            seen.notifyAll();
                        }
                    }
                }
            } catch (final IOException ignored) {
                // process ended
            }
        }, "stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (seen) {
            while (!seen[0] && process.isAlive()) {
                final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                seen.wait(Math.min(left, 100));
            }
            return seen[0];
        }
    }

    /**
     * Stops a process politely: closes its stdin, then sends SIGTERM, and kills it only if it is still running
     * after {@code timeoutMillis}. Returns the exit code, or -1 if it had to be killed.
     */
    public static int stop(final Process process, final long timeoutMillis) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (final IOException ignored) {
            // already gone
        }
        if (process.waitFor(Math.min(timeoutMillis, 1000), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.destroy();
        if (process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        return -1;
    }
}
