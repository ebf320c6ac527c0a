package io.shmipc.it;

import io.shmipc.core.MemoryType;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionPool;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.ShmTimeoutException;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long run under churn, behind {@code -Psoak} (tag {@code soak}, excluded from the default build):
 * {@value #STREAMS} callers echo frames of mixed sizes (0 B .. 4 MiB) through two {@link SessionPool}s, one per
 * memory mode, alternating between them call by call, while the echo server process is restarted at random
 * moments, by kill -9 or by a graceful stop. Every call must either return exactly the bytes sent or throw: at the
 * end it reports calls, failures by cause, corruptions (must be 0), calls that never ended (must be 0), and our
 * descriptors, mappings and /dev/shm files compared with before.
 *
 * <p>{@code -Dshmipc.soak.duration=10m} (the default; {@code 90s}, {@code 2m} ...), {@code -Dshmipc.soak.seed}
 * replays the sizes and restart schedule.
 */
@Tag("soak")
class SoakTest {
    private static final int STREAMS = 64;
    private static final int SESSIONS_PER_POOL = 4;
    private static final int MAX_PAYLOAD = 4 << 20;
    /** Mostly small calls, some chains, a few of the largest size. */
    private static final int[] SIZES = {0, 1, 64, 700, 4096, 32 << 10, 200 << 10, 1 << 20, MAX_PAYLOAD};
    private static final int[] SIZE_WEIGHTS = {5, 10, 20, 20, 20, 12, 8, 4, 1};
    private static final long MIN_UPTIME_MILLIS = 2_000;
    private static final long MAX_UPTIME_MILLIS = 8_000;
    private static final long MAX_DOWNTIME_MILLIS = 300;
    private static final long CALL_TIMEOUT_MILLIS = 15_000;
    /** After a failed call: do not spin on a server that is down. */
    private static final long BACKOFF_MILLIS = 20;
    private static final String END_OF_STREAM = "end of stream before the reply";

    @TempDir
    Path dir;
    private String prefix;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    /** Also after a failure or a timeout: no server process, session or region file may outlive the test. */
    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        if (prefix != null) {
            for (final Path file : Resources.filesWithPrefix(prefix)) {
                Files.deleteIfExists(file);
            }
        }
    }

    @Test
    @Timeout(value = 24, unit = TimeUnit.HOURS) // bounded by shmipc.soak.duration instead of the 90 s default
    void shouldReturnTheRightBytesOrThrowOnEveryCallWhileTheServerRestarts() throws Exception {
        final long durationMillis = parseDuration(System.getProperty("shmipc.soak.duration", "10m"));
        final long seed = Long.getLong("shmipc.soak.seed", System.nanoTime());
        prefix = Resources.uniqueShmPrefix("soak");
        final Path socket = dir.resolve("echo.sock");
        final byte[][] payloads = new byte[SIZES.length][];
        for (int i = 0; i < SIZES.length; i++) {
            payloads[i] = Echo.payload(SIZES[i], seed + i);
        }
        final int fdsBefore = Resources.fdCount();
        final long mappingsBefore = Resources.mappingCount();
        Figures.report("soak", "duration " + durationMillis / 1000 + " s, seed " + seed + " (-Dshmipc.soak.seed), "
            + STREAMS + " streams over 2 pools of " + SESSIONS_PER_POOL + " sessions");

        final Tally tally = new Tally();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Random schedule = new Random(seed);
        final AtomicReference<PeerProcess> server = new AtomicReference<>(PeerProcess.echoServer(socket, Map.of(),
            dir));
        cleanup.add(() -> server.get().close());
        final SessionPool memfd = new SessionPool(socket, config(MemoryType.MEMFD, prefix), SESSIONS_PER_POOL);
        cleanup.add(memfd);
        final SessionPool file = new SessionPool(socket, config(MemoryType.FILE, prefix), SESSIONS_PER_POOL);
        cleanup.add(file);
        cleanup.add(() -> running.set(false));
        final List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            final Random random = new Random(seed * 31 + i);
            final Thread caller = new Thread(() -> callUntilStopped(random, new SessionPool[] {memfd, file},
                payloads, running, tally), "soak-caller-" + i);
            caller.setDaemon(true);
            callers.add(caller);
            caller.start();
        }

        int kills = 0;
        int gracefulStops = 0;
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMillis);
        try {
            while (true) {
                final long uptime = MIN_UPTIME_MILLIS + (long) (schedule.nextDouble()
                    * (MAX_UPTIME_MILLIS - MIN_UPTIME_MILLIS));
                final long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= uptime) {
                    Thread.sleep(Math.max(0, left));
                    break;
                }
                Thread.sleep(uptime);
                if (schedule.nextBoolean()) {
                    server.get().kill9();
                    server.get().awaitExit();
                    kills++;
                } else {
                    assertEquals(0, server.get().stop(), "a gracefully stopped server saw no corrupted frame"
                        + server.get().describe());
                    gracefulStops++;
                }
                server.get().close();
                Thread.sleep((long) (schedule.nextDouble() * MAX_DOWNTIME_MILLIS));
                server.set(PeerProcess.echoServer(socket, Map.of(), dir));
            }
        } finally {
            running.set(false);
        }

        final long joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_TIMEOUT_MILLIS + 5_000);
        for (final Thread caller : callers) {
            caller.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
        }
        final long stuck = callers.stream().filter(Thread::isAlive).count();
        memfd.close();
        file.close();
        assertEquals(0, server.get().stop(), "the last server saw no corrupted frame" + server.get().describe());

        final long self = Resources.self();
        final long memfdsLeft = Resources.awaitAtMost(() -> Resources.fdsContaining(self, Resources.OUR_MEMFD), 0,
            5_000);
        final List<Path> filesLeft = Resources.filesWithPrefix(prefix);
        final long regionsLeft = Resources.settleAtMost(
            () -> Resources.mappingsOfLength(Resources.ODD_REGION_32M), 0);
        final long timedOut = tally.causes.entrySet().stream()
            .filter(entry -> entry.getKey().startsWith(ShmTimeoutException.class.getSimpleName()))
            .mapToLong(entry -> entry.getValue().get()).sum();
        final long fdsAfter = Resources.settleAtMost(Resources::fdCount, fdsBefore);
        final long mappingsAfter = Resources.settleAtMost(Resources::mappingCount, mappingsBefore);
        final long started = tally.started.sum();
        final long ended = tally.returned.sum() + tally.failed.sum() + tally.corrupted.sum();
        Figures.report("soak calls", started + " started, " + tally.returned.sum() + " returned the right bytes ("
            + tally.bytes.sum() / (1 << 20) + " MiB echoed; memfd " + tally.byMode[0].sum() + ", file "
            + tally.byMode[1].sum() + "), " + tally.failed.sum() + " threw, " + tally.corrupted.sum()
            + " corrupted, " + (started - ended) + " never ended (" + stuck + " callers stuck), " + timedOut
            + " timed out");
        Figures.report("soak restarts", kills + " kill -9, " + gracefulStops + " graceful");
        Figures.report("soak failures by cause", new TreeMap<>(tally.causes).toString());
        Figures.report("soak resources", "fds " + fdsBefore + " -> " + fdsAfter + ", mappings " + mappingsBefore
            + " -> " + mappingsAfter + " (buffer regions still mapped: " + regionsLeft + "), memfds left " + memfdsLeft
            + ", /dev/shm files left " + filesLeft.size());

        assertEquals(0, tally.corrupted.sum(), "corrupted calls: " + tally.firstCorruption);
        assertEquals(0, stuck, "callers stuck in a call");
        assertEquals(started, ended, "every call returned or threw");
        // A live session never loses a reply: only a dead or stopped server may end a call, and it does so at once.
        assertEquals(0, timedOut, "calls that waited out their " + CALL_TIMEOUT_MILLIS + " ms timeout");
        assertTrue(tally.byMode[0].sum() > 0 && tally.byMode[1].sum() > 0, "both memory modes carried calls");
        assertEquals(0, memfdsLeft, "memfd descriptors left");
        assertEquals(List.of(), filesLeft, "region files left");
        assertEquals(0, regionsLeft, "buffer region mappings left");
        assertTrue(fdsAfter <= fdsBefore + 2, "descriptors back to " + fdsBefore + ", now " + fdsAfter + ": "
            + Resources.fdTargets(self));
    }

    /** One caller: pick a pool (alternating), a size, and echo; classify how the call ended. */
    private static void callUntilStopped(final Random random, final SessionPool[] pools, final byte[][] payloads,
                                         final AtomicBoolean running, final Tally tally) {
        final byte[] scratch = new byte[MAX_PAYLOAD];
        long call = 0;
        while (running.get()) {
            final int mode = (int) (call++ % pools.length);
            final byte[] payload = payloads[pickSize(random)];
            tally.started.increment();
            Stream stream = null;
            try {
                stream = pools[mode].acquire();
                stream.readTimeout(Duration.ofMillis(CALL_TIMEOUT_MILLIS));
                EchoFrame.send(stream, payload, payload.length);
                final int length = EchoFrame.receive(stream, scratch);
                if (length < 0) {
                    // A clean end of the stream instead of the reply: the server was stopped gracefully mid-call.
                    tally.failure(END_OF_STREAM);
                    stream.close();
                    pause();
                    continue;
                }
                if (length != payload.length || !Arrays.equals(payload, 0, length, scratch, 0, length)) {
                    tally.corruption("echo of " + payload.length + " bytes came back as " + length
                        + " bytes differing at " + Arrays.mismatch(payload, 0, payload.length, scratch, 0, length));
                } else {
                    tally.returned.increment();
                    tally.bytes.add(length);
                    tally.byMode[mode].increment();
                }
                pools[mode].release(stream);
            } catch (final EchoFrame.EchoMismatchException e) {
                tally.corruption(e.getMessage());
                stream.close();
            } catch (final ShmIpcException | RuntimeException e) {
                tally.failure(e);
                if (stream != null) {
                    stream.close();
                }
                pause();
            }
        }
    }

    private static int pickSize(final Random random) {
        int total = 0;
        for (final int weight : SIZE_WEIGHTS) {
            total += weight;
        }
        int pick = random.nextInt(total);
        for (int i = 0; i < SIZE_WEIGHTS.length; i++) {
            pick -= SIZE_WEIGHTS[i];
            if (pick < 0) {
                return i;
            }
        }
        return SIZE_WEIGHTS.length - 1;
    }

    private static void pause() {
        try {
            Thread.sleep(BACKOFF_MILLIS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static SessionConfig config(final MemoryType type, final String prefix) {
        return SessionConfig.builder().memoryType(type).filePrefix(prefix).bufferCapacity(Resources.ODD_REGION_32M)
            .build();
    }

    /** "10m", "90s", "1h" or plain milliseconds. */
    static long parseDuration(final String text) {
        final String value = text.trim().toLowerCase();
        final char unit = value.charAt(value.length() - 1);
        final long scale = switch (unit) {
            case 's' -> 1_000;
            case 'm' -> 60_000;
            case 'h' -> 3_600_000;
            default -> 1;
        };
        return Long.parseLong(Character.isDigit(unit) ? value : value.substring(0, value.length() - 1)) * scale;
    }

    /** Counts shared by the callers. */
    private static final class Tally {
        final LongAdder started = new LongAdder();
        final LongAdder returned = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder corrupted = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder[] byMode = {new LongAdder(), new LongAdder()};
        final Map<String, AtomicLong> causes = new ConcurrentHashMap<>();
        volatile String firstCorruption;

        void failure(final Throwable e) {
            failure(causeOf(e));
        }

        void failure(final String cause) {
            failed.increment();
            causes.computeIfAbsent(cause, key -> new AtomicLong()).incrementAndGet();
        }

        void corruption(final String what) {
            corrupted.increment();
            if (firstCorruption == null) {
                firstCorruption = what;
            }
        }

        /** The exception type and its message without numbers, so that failures group by kind. */
        private static String causeOf(final Throwable e) {
            final String message = String.valueOf(e.getMessage()).replaceAll("/[^ :,]+", "<path>")
                .replaceAll("[0-9]+", "N");
            return e.getClass().getSimpleName() + ": " + (message.length() > 90 ? message.substring(0, 90) : message);
        }
    }
}
