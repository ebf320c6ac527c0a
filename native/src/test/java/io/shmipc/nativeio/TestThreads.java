package io.shmipc.nativeio;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** Runs test work on daemon threads, so a thread stuck by a failing test cannot keep the JVM alive. */
final class TestThreads {
    private static final Executor DAEMON = task -> {
        Thread thread = new Thread(task, "native-test");
        thread.setDaemon(true);
        thread.start();
    };

    private TestThreads() {
    }

    /** Starts {@code work} on a new daemon thread; the future fails with whatever it throws. */
    static <T> CompletableFuture<T> start(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        DAEMON.execute(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable failure) {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }
}
