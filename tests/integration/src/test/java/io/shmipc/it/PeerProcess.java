package io.shmipc.it;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.shmipc.demo.JavaProcess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running one of our main classes: its stdout lines are queued for {@link #awaitLine}, its stderr goes
 * to a log file (shown when an expectation fails), and its stdin takes commands. Closing it kills it if still alive.
 *
 * <p>The command line is built here rather than with {@link JavaProcess#command} on purpose: the peers include main
 * classes from this module's test sources, so the child must get exactly this JVM's classpath, whatever a
 * {@code SHMIPC_CLASSPATH} in the environment says. The JVM flags are {@link JavaProcess#DEFAULT_FLAGS}.
 */
final class PeerProcess implements AutoCloseable {
    private static final long STOP_MILLIS = 5_000;
    /** Linux x86-64 and arm64 signal numbers. */
    private static final int SIGSTOP = 19;
    private static final int SIGCONT = 18;

    private final String name;
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> transcript = new ArrayList<>();
    private final OutputStream stdin;

    private PeerProcess(final String name, final Process process, final Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = process.getOutputStream();
        final Thread reader = new Thread(this::pumpStdout, "peer-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code mainClass args...} in a new JVM. Inherited {@code SHMIPC_*} variables are dropped so that only
     * {@code env} configures the peer.
     */
    static PeerProcess start(final Class<?> mainClass, final List<String> args, final Map<String, String> env,
                             final Path logDir) throws IOException {
        return start(mainClass, args, env, logDir, List.of());
    }

    /**
     * As {@link #start(Class, List, Map, Path)}, for peers that are killed soon after they start: C1 only (no C2
     * compilations competing for the CPU while the test measures) and the JDK's shared class archive.
     */
    static PeerProcess startShortLived(final Class<?> mainClass, final List<String> args,
                                       final Map<String, String> env, final Path logDir) throws IOException {
        return start(mainClass, args, env, logDir, List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    }

    /**
     * As {@link #start(Class, List, Map, Path)}, in a pid namespace of its own ({@code unshare --pid --fork}, which
     * needs CAP_SYS_ADMIN): the peer's pids are visible here, ours are not visible there. {@link #pid()} is then
     * that of {@code unshare}.
     */
    static PeerProcess startInNewPidNamespace(final Class<?> mainClass, final List<String> args,
                                              final Map<String, String> env, final Path logDir) throws IOException {
        return start(mainClass, args, env, logDir, List.of(), List.of("unshare", "--pid", "--fork", "--kill-child"));
    }

    private static PeerProcess start(final Class<?> mainClass, final List<String> args, final Map<String, String> env,
                                     final Path logDir, final List<String> extraFlags) throws IOException {
        return start(mainClass, args, env, logDir, extraFlags, List.of());
    }

    private static PeerProcess start(final Class<?> mainClass, final List<String> args, final Map<String, String> env,
                                     final Path logDir, final List<String> extraFlags, final List<String> launcher)
        throws IOException {
        final List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JavaProcess.DEFAULT_FLAGS);
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        // Small, quick-starting peers: one GC thread set, bounded heap (8 MB echoes need some room).
        command.addAll(List.of("-XX:+UseSerialGC", "-Xmx512m", "-XX:-UsePerfData"));
        command.addAll(extraFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(key -> key.startsWith("SHMIPC_"));
        builder.environment().putAll(env);
        Files.createDirectories(logDir);
        final String name = mainClass.getSimpleName() + (args.isEmpty() ? "" : "-" + String.join("-", args.subList(
            Math.max(0, args.size() - 1), args.size())).replaceAll("[^A-Za-z0-9_.-]", "_"));
        final Path log = Files.createTempFile(logDir, name + "-", ".log");
        builder.redirectError(log.toFile());
        return new PeerProcess(name, builder.start(), log);
    }

    /** Starts the demo's echo server ({@code EchoServerMain}) on {@code socket} and waits until it listens. */
    static PeerProcess echoServer(final Path socket, final Map<String, String> env, final Path logDir)
        throws IOException, InterruptedException {
        final PeerProcess server = start(io.shmipc.demo.EchoServerMain.class, List.of(socket.toString(), "--stop-on-stdin-eof"), env, logDir);
        server.awaitLine("READY", 30_000);
        return server;
    }

    private void pumpStdout() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synchronized (transcript) {
                    transcript.add(line);
                }
                lines.add(line);
            }
        } catch (final IOException ignored) {
            // the process ended
        }
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The next stdout line starting with {@code prefix}, skipping others; fails with the peer's stderr on timeout. */
    String awaitLine(final String prefix, final long timeoutMillis) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            final long left = deadline - System.nanoTime();
            final String line = left > 0 ? lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)),
                TimeUnit.NANOSECONDS) : null;
            if (line != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
                continue;
            }
            if (left <= 0 || (!process.isAlive() && lines.isEmpty())) {
                throw new AssertionError(name + " (pid " + pid() + ") printed no '" + prefix + "' line within "
                    + timeoutMillis + " ms" + (process.isAlive() ? "" : "; it exited with " + process.exitValue())
                    + describe());
            }
        }
    }

    /** Sends one command line to the peer's stdin. */
    void send(final String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** SIGKILL, now. Returns {@link System#nanoTime()} taken just before the signal was sent. */
    long kill9() {
        final long at = System.nanoTime();
        process.destroyForcibly();
        return at;
    }

    /** Waits for the process to be gone (after {@link #kill9()}); fails if it is not within 10 s. */
    void awaitExit() throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not exit" + describe());
        }
    }

    /** Freezes the whole process (SIGSTOP): none of its threads runs until {@link #resume()}. */
    void freeze() throws IOException, InterruptedException {
        signal(SIGSTOP);
        // The signal is delivered asynchronously: wait until every thread shows state T (stopped) in /proc.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!allThreadsStopped()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not stop after SIGSTOP");
            }
            Thread.sleep(1);
        }
    }

    private boolean allThreadsStopped() throws IOException {
        try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid()),
            "task"))) {
            for (final Path task : tasks) {
                final String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (final java.nio.file.NoSuchFileException e) {
                    continue;
                }
                // "pid (comm) S ...": the state follows the last ')', since comm may contain spaces or parentheses.
                final char state = stat.charAt(stat.lastIndexOf(')') + 2);
                if (state != 'T' && state != 't') {
                    return false;
                }
            }
        }
        return true;
    }

    /** Lets a frozen process run again (SIGCONT). */
    void resume() {
        signal(SIGCONT);
    }

    private void signal(final int signal) {
        if (Signals.C.kill((int) pid(), signal) != 0) {
            throw new AssertionError("kill(" + pid() + ", " + signal + ") failed, errno " + Native.getLastError());
        }
    }

    /** Closes stdin (the polite stop every peer obeys) and returns the exit code; kills it after 5 s. */
    int stop() throws InterruptedException {
        try {
            stdin.close();
        } catch (final IOException ignored) {
            // already gone
        }
        if (process.waitFor(STOP_MILLIS, TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly();
        process.waitFor(STOP_MILLIS, TimeUnit.MILLISECONDS);
        throw new AssertionError(name + " did not stop within " + STOP_MILLIS + " ms after stdin EOF" + describe());
    }

    /** Everything it printed so far (stdout lines and the tail of stderr), for failure messages. */
    String describe() {
        final StringBuilder out = new StringBuilder("\n--- ").append(name).append(" stdout ---\n");
        synchronized (transcript) {
            transcript.forEach(line -> out.append(line).append('\n'));
        }
        out.append("--- ").append(name).append(" stderr (tail) ---\n");
        try {
            final String text = Files.readString(log);
            out.append(text.length() > 6000 ? text.substring(text.length() - 6000) : text);
        } catch (final IOException e) {
            out.append("(cannot read ").append(log).append(": ").append(e.getMessage()).append(")");
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(STOP_MILLIS, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** libc's kill(2), for STOP and CONT (ProcessHandle only offers TERM and KILL). */
    private interface Signals extends Library {
        Signals C = Native.load("c", Signals.class);

        int kill(int pid, int signal);
    }
}
