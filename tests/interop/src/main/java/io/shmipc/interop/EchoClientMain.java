package io.shmipc.interop;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.core.SessionClosedException;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.core.buffer.SliceClass;
import io.shmipc.demo.EchoFrame;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java echo client of the interop suite, with the Go echo-client's flags and summary:
 * {@code -socket PATH -mem memfd|file -sizes 0,1,64 -streams 32 -count N [-buffer-capacity B]
 * [-slice-sizes 8172:50,...] [-queue-cap N] [-path-prefix P] [-timeout 60s] [-expect-fallback]
 * [-expect-session-end] [-duration D [-sessions N]]}. Opens every stream first, then sends {@code count} frames of every size on each stream
 * concurrently, checking every echo byte for byte. The last stdout line is
 * {@code {"calls":..,"bytes":..,"failures":..,"fallbacks":..,"expected_calls":..,"session_end":..,"elapsed_ms":..}};
 * exit 0 only if everything matched (or, with -expect-session-end, the session ended with nothing corrupted).
 * With {@code -duration} it makes pooled calls instead ({@link PooledEchoCalls}) and adds {@code hot_restart_epoch}.
 */
public final class EchoClientMain {
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
        final long expected = (long) streams * count * sizes.length;
        long fallbacks = 0;
        try (Session session = Session.connect(socket, config.build())) {
            final List<Stream> opened = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                final Stream stream = session.openStream();
                stream.readTimeout(timeout);
                opened.add(stream);
            }
            final int[] frameSizes = sizes;
            final int frames = count;
            final List<Thread> workers = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                final Stream stream = opened.get(s);
                final int streamIndex = s;
                final Thread worker = new Thread(() -> {
                    try {
                        exchange(stream, streamIndex, frameSizes, frames, calls, bytes, failures);
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
            sessionEnded.compareAndSet(false, session.isClosed());
        } catch (final ShmIpcException e) {
            System.err.println("echo client: " + e.getMessage());
            failures.incrementAndGet();
        }
        final long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("{\"calls\":%d,\"bytes\":%d,\"failures\":%d,\"fallbacks\":%d,\"expected_calls\":%d,"
                + "\"session_end\":%b,\"elapsed_ms\":%d}%n", calls.get(), bytes.get(), failures.get(), fallbacks,
            expected, sessionEnded.get(), elapsed);
        System.out.flush();
        final boolean ok;
        if (expectSessionEnd) {
            ok = sessionEnded.get();
        } else {
            ok = failures.get() == 0 && calls.get() == expected && (!expectFallback || fallbacks > 0);
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
                calls.incrementAndGet();
                bytes.addAndGet(2L * size);
            }
        }
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
