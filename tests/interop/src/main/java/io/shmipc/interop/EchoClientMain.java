package io.shmipc.interop;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.core.StreamClosedException;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.demo.EchoFrame;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java echo client of the interop suite, with the Go echo-client's flags and summary:
 * {@code -socket PATH -mem memfd|file -sizes 0,1,64 -streams 32 -count N [-buffer-capacity B]
 * [-slice-sizes 8172:50,...] [-queue-cap N] [-path-prefix P] [-timeout 60s] [-expect-fallback]
 * [-expect-session-end] [-close-test N] [-expect-polling] [-hold D] [-duration D [-sessions N]]}. Opens every stream first, then sends
 * {@code count} frames of every size on each stream concurrently, checking every echo byte for byte. The last stdout
 * line is (after {@code FLOWING} once the first echo came back) {@code {"calls":..,"bytes":..,"failures":..,"fallbacks":..,"expected_calls":..,"session_end":..,
 * "elapsed_ms":..,...}}; exit 0 only if everything matched (or, with -expect-session-end, the session ended with
 * nothing corrupted).
 *
 * <p>{@code -close-test N} checks stream ends instead, like the Go client: every even-numbered stream sends one frame
 * and closes at once; every odd one has N frames echoed by a server run with {@code -close-after N}, then must read
 * the end of the stream and have its next write refused. {@code -expect-polling} (with a Go server) fails the run
 * if the session used futex wake-ups or sent no Polling event. {@code -hold D}: after the run, streams closed and
 * the session open, print {@code POOL size:free/capacity,...} (the buffer lists as this session counts them) and
 * {@code HOLD <pid>}, and wait D, so region-inspect can read this process's regions and compare.
 *
 * <p>With {@code -duration} it makes pooled calls instead ({@link PooledEchoCalls}) and adds
 * {@code hot_restart_epoch} to the summary.
 */
public final class EchoClientMain {
    /** A buffer list line of {@link Session#debugDump()}. */
    private static final Pattern POOL_LIST = Pattern.compile("slices of (\\d+) B: (\\d+) free of (\\d+)");

    private EchoClientMain() {
    }

    public static void main(final String[] args) throws Exception {
        Path socket = null;
        final SessionConfig.Builder config = SessionConfig.builder();
        int[] sizes = {0, 1, 64};
        int streams = 1;
        int count = 1;
        Duration timeout = Duration.ofSeconds(60);
        boolean expectFallback = false;
        boolean expectSessionEnd = false;
        int closeTest = 0;
        boolean expectPolling = false;
        Duration hold = Duration.ZERO;
        Duration duration = null;
        int sessions = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-socket" -> socket = Path.of(args[++i]);
                case "-mem" -> config.memoryType("file".equals(args[++i]) ? MemoryType.FILE : MemoryType.MEMFD);
                case "-sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "-streams" -> streams = Integer.parseInt(args[++i]);
                case "-count" -> count = Integer.parseInt(args[++i]);
                case "-buffer-capacity" -> config.bufferCapacity(Long.parseLong(args[++i]));
                case "-slice-sizes" -> config.sliceClasses(SliceClass.parse(args[++i]));
                case "-queue-cap" -> config.queueCapacity(Integer.parseInt(args[++i]));
                case "-path-prefix" -> config.filePrefix(args[++i]);
                case "-timeout" -> timeout = goDuration(args[++i]);
                case "-expect-fallback" -> expectFallback = true;
                case "-expect-session-end" -> expectSessionEnd = true;
                case "-close-test" -> closeTest = Integer.parseInt(args[++i]);
                case "-expect-polling" -> expectPolling = true;
                case "-hold" -> hold = goDuration(args[++i]);
                case "-duration" -> duration = goDuration(args[++i]);
                case "-sessions" -> sessions = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("echo client: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (socket == null) {
            System.err.println("echo client: -socket is required");
            System.exit(2);
        }
        if (duration != null) {
            runPooled(socket, config.build(), sessions, sizes, streams, duration);
        }
        final long start = System.nanoTime();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicBoolean sessionEnded = new AtomicBoolean();
        final AtomicLong clientClosed = new AtomicLong();
        final AtomicLong serverClosesSeen = new AtomicLong();
        final AtomicLong writesRefused = new AtomicLong();
        final int serverClosers = streams / 2; // odd-numbered streams, closed by the server in -close-test
        final long expected = closeTest > 0 ? streams - serverClosers + (long) serverClosers * closeTest
            : (long) streams * count * sizes.length;
        long fallbacks = 0;
        String wakeReport = "";
        String wakeProblem = null;
        try (Session session = Session.connect(socket, config.build())) {
            final List<Stream> opened = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                final Stream stream = session.openStream();
                stream.readTimeout(timeout);
                opened.add(stream);
            }
            final int[] frameSizes = sizes;
            final int frames = count;
            final int echoesBeforeClose = closeTest;
            final List<Thread> workers = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                final Stream stream = opened.get(s);
                final int streamIndex = s;
                final Thread worker = new Thread(() -> {
                    try {
                        if (echoesBeforeClose > 0) {
                            checkStreamEnd(stream, streamIndex, frameSizes, echoesBeforeClose, calls, failures,
                                clientClosed, serverClosesSeen, writesRefused);
                        } else {
                            exchange(stream, streamIndex, frameSizes, frames, calls, bytes, failures);
                        }
                    } catch (final SessionClosedException e) {
                        sessionEnded.set(true);
                        if (!session.isClosed()) {
                            failures.incrementAndGet();
                        }
                        System.err.println("echo client: stream " + stream.id() + ": " + e.getMessage());
                    } catch (final ShmIpcException | RuntimeException e) {
                        if (session.isClosed()) {
                            sessionEnded.set(true);
                        } else {
                            failures.incrementAndGet();
                        }
                        System.err.println("echo client: stream " + stream.id() + ": " + e.getMessage());
                    } finally {
                        stream.close();
                    }
                }, "echo-" + s);
                workers.add(worker);
                worker.start();
            }
            final long deadline = System.nanoTime() + timeout.toNanos();
            for (final Thread worker : workers) {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (worker.isAlive()) {
                    failures.incrementAndGet();
                    System.err.println("echo client: " + worker.getName() + " did not finish within " + timeout);
                }
            }
            if (failures.get() > 0 && !session.isClosed()) {
                System.err.println(session.debugDump());
            }
            fallbacks = session.metrics().fallbackWrites() + session.metrics().fallbackReads();
            final boolean futex = !session.isClosed() && session.usesFutexWake();
            final long futexWakes = session.metrics().futexWakesSent();
            final long pollingSent = session.metrics().pollingEventsSent();
            wakeReport = ",\"futex_wake\":" + futex + ",\"futex_wakes_sent\":" + futexWakes + ",\"polling_sent\":"
                + pollingSent + ",\"polling_received\":" + session.metrics().pollingEventsReceived();
            if (futex || futexWakes > 0) {
                wakeProblem = "the session with a Go server reported futex wake-ups on (" + futexWakes + " sent)";
            } else if (pollingSent == 0) {
                wakeProblem = "no Polling event was sent: the Go server was never woken";
            }
            sessionEnded.compareAndSet(false, session.isClosed());
            if (!hold.isZero() && !session.isClosed()) {
                System.out.println("POOL " + poolListsAtRest(session));
                System.out.println("HOLD " + ProcessHandle.current().pid());
                System.out.flush();
                Thread.sleep(hold.toMillis());
            }
        } catch (final SessionClosedException e) {
            // The server went away before the streams were open: a session end, as seen from here.
            System.err.println("echo client: " + e.getMessage());
            sessionEnded.set(true);
        } catch (final ShmIpcException e) {
            System.err.println("echo client: " + e.getMessage());
            failures.incrementAndGet();
        }
        final long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        final String closeReport = closeTest == 0 ? "" : ",\"client_closed\":" + clientClosed.get()
            + ",\"server_closes_seen\":" + serverClosesSeen.get() + ",\"writes_refused\":" + writesRefused.get();
        System.out.printf("{\"calls\":%d,\"bytes\":%d,\"failures\":%d,\"fallbacks\":%d,\"expected_calls\":%d,"
                + "\"session_end\":%b,\"elapsed_ms\":%d%s%s}%n", calls.get(), bytes.get(), failures.get(), fallbacks,
            expected, sessionEnded.get(), elapsed, closeReport, wakeReport);
        System.out.flush();
        boolean ok;
        if (expectSessionEnd) {
            ok = sessionEnded.get();
        } else {
            ok = failures.get() == 0 && calls.get() == expected && (!expectFallback || fallbacks > 0);
        }
        if (closeTest > 0 && (serverClosesSeen.get() != serverClosers || writesRefused.get() != serverClosers)) {
            System.err.println("echo client: of " + serverClosers + " streams the server closed, the client saw the end of "
                + serverClosesSeen.get() + " and had " + writesRefused.get() + " writes refused");
            ok = false;
        }
        if (expectPolling && wakeProblem != null) {
            System.err.println("echo client: " + wakeProblem);
            ok = false;
        }
        Runtime.getRuntime().halt(ok ? 0 : 1);
    }

    /** {@code -duration}: pooled calls (see {@link PooledEchoCalls}); every call made must succeed. */
    private static void runPooled(final Path socket, final SessionConfig config, final int sessions,
                                  final int[] sizes, final int workers, final Duration duration)
        throws InterruptedException {
        final long start = System.nanoTime();
        final PooledEchoCalls pooled = new PooledEchoCalls();
        final long epoch = pooled.run(socket, config, sessions, sizes, workers, duration);
        final long calls = pooled.calls.get();
        final long failures = pooled.failures.get();
        System.out.printf("{\"calls\":%d,\"bytes\":%d,\"failures\":%d,\"fallbacks\":0,\"expected_calls\":%d,"
                + "\"session_end\":false,\"hot_restart_epoch\":%s,\"elapsed_ms\":%d}%n", calls, pooled.bytes.get(),
            failures, calls + failures, Long.toUnsignedString(epoch),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        System.out.flush();
        Runtime.getRuntime().halt(failures == 0 && calls > 0 ? 0 : 1);
    }

    private static void exchange(final Stream stream, final int streamIndex, final int[] sizes, final int count,
                                 final AtomicLong calls, final AtomicLong bytes, final AtomicLong failures)
        throws ShmIpcException {
        int max = 0;
        for (final int size : sizes) {
            max = Math.max(max, size);
        }
        final byte[] reply = new byte[max];
        for (int round = 0; round < count; round++) {
            for (final int size : sizes) {
                final byte[] payload = new byte[size];
                EchoFrame.fill(payload, ((long) streamIndex << 32) | ((long) round << 16) | size);
                EchoFrame.send(stream, payload, size);
                final int n = EchoFrame.receive(stream, reply);
                if (n != size || !Arrays.equals(payload, 0, size, reply, 0, size)) {
                    failures.incrementAndGet();
                    System.err.println("echo client: stream " + stream.id() + ": a " + size
                        + "-byte frame came back " + (n < 0 ? "missing" : "different"));
                    return;
                }
                if (calls.incrementAndGet() == 1) {
                    System.out.println("FLOWING"); // run.sh kills a server only once frames flow
                    System.out.flush();
                }
                bytes.addAndGet(2L * size);
            }
        }
    }

    /** The -close-test workload of one stream (see the class comment). */
    private static void checkStreamEnd(final Stream stream, final int streamIndex, final int[] sizes,
                                       final int echoesBeforeClose, final AtomicLong calls, final AtomicLong failures,
                                       final AtomicLong clientClosed, final AtomicLong serverClosesSeen,
                                       final AtomicLong writesRefused) throws ShmIpcException {
        final int size = sizes[streamIndex % sizes.length];
        final byte[] payload = new byte[size];
        if (streamIndex % 2 == 0) {
            EchoFrame.fill(payload, ((long) streamIndex << 32) | size);
            EchoFrame.send(stream, payload, size);
            stream.close();
            clientClosed.incrementAndGet();
            calls.incrementAndGet();
            return;
        }
        final byte[] reply = new byte[size];
        for (int round = 0; round < echoesBeforeClose; round++) {
            EchoFrame.fill(payload, ((long) streamIndex << 32) | ((long) round << 16) | size);
            EchoFrame.send(stream, payload, size);
            final int n = EchoFrame.receive(stream, reply);
            if (n != size || !Arrays.equals(payload, reply)) {
                failures.incrementAndGet();
                System.err.println("echo client: stream " + stream.id() + ": echo #" + round + " before the server's"
                    + " close came back " + (n < 0 ? "missing" : "different"));
                return;
            }
            calls.incrementAndGet();
        }
        final int after = EchoFrame.receive(stream, reply);
        if (after != -1) {
            failures.incrementAndGet();
            System.err.println("echo client: stream " + stream.id() + ": after " + echoesBeforeClose
                + " echoes the server should have closed the stream, but a " + after + "-byte frame came");
            return;
        }
        serverClosesSeen.incrementAndGet();
        try {
            EchoFrame.send(stream, payload, 0);
            failures.incrementAndGet();
            System.err.println("echo client: stream " + stream.id()
                + ": a write after the server closed the stream was accepted");
        } catch (final StreamClosedException e) {
            writesRefused.incrementAndGet();
        }
    }

    /**
     * The buffer lists once the session is at rest: an idle session gives the slices it stashed for reuse back to the
     * shared lists after one park timeout, so wait (bounded) for every list to be full again.
     */
    private static String poolListsAtRest(final Session session) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String lists = poolLists(session);
        while (!allFull(lists) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lists = poolLists(session);
        }
        return lists;
    }

    private static boolean allFull(final String lists) {
        for (final String list : lists.split(",")) {
            final String[] counts = list.substring(list.indexOf(':') + 1).split("/");
            if (!counts[0].equals(counts[1])) {
                return false;
            }
        }
        return true;
    }

    /** The session's buffer lists as {@code size:free/capacity,...}, from its state dump (the only public view). */
    private static String poolLists(final Session session) {
        final Matcher list = POOL_LIST.matcher(session.debugDump());
        final StringJoiner lists = new StringJoiner(",");
        while (list.find()) {
            lists.add(list.group(1) + ":" + list.group(2) + "/" + list.group(3));
        }
        return lists.toString();
    }

    /** Parses a Go duration such as 45s, 500ms, 2m. */
    static Duration goDuration(final String text) {
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        if (text.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
        }
        if (text.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(text));
    }
}
