package io.shmipc.interop;

import io.shmipc.core.SessionConfig;
import io.shmipc.core.SessionPool;
import io.shmipc.core.ShmIpcException;
import io.shmipc.core.Stream;
import io.shmipc.demo.EchoFrame;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo client's pooled mode ({@code -duration D}): {@code workers} threads call without pause for {@code D}, each
 * call on a stream taken from a {@link SessionPool} and given back, as an RPC client does; so a hot restart of the
 * server moves new calls to the new server. Every call must succeed.
 */
final class PooledEchoCalls {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    final AtomicLong calls = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();

    /** Runs the calls to the end; returns the pool's hot-restart epoch at the end (0: none happened). */
    long run(final Path socket, final SessionConfig config, final int sessions, final int[] sizes, final int workers,
             final Duration duration) throws InterruptedException {
        final long end = System.nanoTime() + duration.toNanos();
        try (SessionPool pool = new SessionPool(socket, config, sessions)) {
            final Thread[] threads = new Thread[workers];
            for (int w = 0; w < workers; w++) {
                final int worker = w;
                threads[w] = new Thread(() -> callUntil(pool, worker, sizes, end), "pooled-echo-" + w);
                threads[w].start();
            }
            for (final Thread thread : threads) {
                thread.join(duration.plus(CALL_TIMEOUT).toMillis() + 1_000);
                if (thread.isAlive()) {
                    failures.incrementAndGet();
                    System.err.println("echo client: " + thread.getName() + " did not finish");
                }
            }
            return pool.epoch();
        }
    }

    private void callUntil(final SessionPool pool, final int worker, final int[] sizes, final long end) {
        final byte[] reply = new byte[Arrays.stream(sizes).max().orElse(0)];
        for (long call = 0; System.nanoTime() - end < 0; call++) {
            final int size = sizes[(int) (call % sizes.length)];
            final byte[] payload = new byte[size];
            EchoFrame.fill(payload, ((long) worker << 32) | call);
            Stream stream = null;
            try {
                stream = pool.acquire();
                stream.readTimeout(CALL_TIMEOUT);
                EchoFrame.send(stream, payload, size);
                final int n = EchoFrame.receive(stream, reply);
                if (n != size || !Arrays.equals(payload, 0, size, reply, 0, size)) {
                    throw new IllegalStateException("a " + size + "-byte frame came back "
                        + (n < 0 ? "missing" : "different"));
                }
                pool.release(stream);
                calls.incrementAndGet();
                bytes.addAndGet(2L * size);
            } catch (final ShmIpcException | RuntimeException e) {
                if (stream != null) {
                    stream.close();
                }
                if (failures.incrementAndGet() <= 20) {
                    System.err.println("echo client: worker " + worker + " call " + call + ": " + e.getMessage());
                }
                // A failing server must not turn this loop into a busy one.
                sleepQuietly(TimeUnit.MILLISECONDS.toMillis(10));
            }
        }
    }

    private static void sleepQuietly(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
