package io.shmipc.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Threads that call an echo server through a {@link SessionPool} without pause (acquire a stream, send a message,
 * read the echo, release) and count calls and failures. Each thread stops on {@link #stop()} or after
 * {@value #MAX_RUN_SECONDS} s, whichever comes first.
 */
final class ContinuousCaller implements AutoCloseable {
    private static final long MAX_RUN_SECONDS = 60;
    private static final int MESSAGE_BYTES = 300;

    private final SessionPool pool;
    private final Thread[] threads;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private volatile boolean running = true;

    ContinuousCaller(final SessionPool pool, final int threadCount) {
        this.pool = pool;
        this.threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++) {
            final byte seed = (byte) i;
            threads[i] = new Thread(() -> callLoop(seed), "caller-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    private void callLoop(final byte seed) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_RUN_SECONDS);
        final byte[] out = new byte[MESSAGE_BYTES];
        final byte[] in = new byte[MESSAGE_BYTES];
        byte round = 0;
        while (running && System.nanoTime() - deadline < 0) {
            Arrays.fill(out, (byte) (seed + round++));
            Stream stream = null;
            try {
                stream = pool.acquire();
                stream.readTimeout(Duration.ofSeconds(5));
                stream.write(out, 0, out.length);
                stream.readFully(in, 0, in.length);
                if (!Arrays.equals(out, in)) {
                    throw new AssertionError("echo differs from what was sent");
                }
                pool.release(stream);
                calls.incrementAndGet();
            } catch (final ShmIpcException | RuntimeException | AssertionError e) {
                if (stream != null) {
                    stream.close();
                }
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, e);
            }
        }
    }

    long calls() {
        return calls.get();
    }

    long failures() {
        return failures.get();
    }

    Throwable firstFailure() {
        return firstFailure.get();
    }

    /** Waits until at least {@code count} calls succeeded. */
    void awaitCalls(final long count, final long timeoutMillis) throws InterruptedException {
        HotRestartTest.awaitTrue(() -> calls.get() >= count, timeoutMillis, count + " successful calls (have "
            + calls.get() + ", failures " + failures.get() + ", first " + firstFailure.get() + ")");
    }

    /** Stops the threads and waits for them. */
    void stop() throws InterruptedException {
        running = false;
        for (final Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
