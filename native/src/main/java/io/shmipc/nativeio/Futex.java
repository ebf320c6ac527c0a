package io.shmipc.nativeio;

import java.io.UncheckedIOException;

/**
 * Cross-process futex on a 32-bit word at an absolute address inside a {@code MAP_SHARED} mapping.
 *
 * <p>The private-futex flag is never set, so the kernel keys a wait on the mapped page and offset, not on this
 * process's virtual address: two processes (or two mappings of one memfd in one process) that map the same file
 * wait and wake on the same futex. Neither call allocates; {@link #wait} with a timeout uses a per-thread native
 * {@code timespec} cached on the thread's first timed wait.
 *
 * <p>{@link Thread#interrupt()} does not end a wait (the JVM signals no thread for it); bound waits with a timeout
 * or wake them.
 *
 * <p>The word is read by the kernel atomically with the sleep; the caller is responsible for the memory ordering of
 * its own stores (a volatile or release store before {@link #wake}).
 */
public final class Futex {
    /** {@link #wait} returned because of a wake-up (or, rarely, spuriously): re-check the word. */
    public static final int WOKEN = 0;
    /** {@link #wait} returned because the timeout elapsed. */
    public static final int TIMED_OUT = 1;
    /** {@link #wait} did not sleep because the word no longer held the expected value. */
    public static final int VALUE_CHANGED = 2;
    /** {@link #wait} returned because a signal interrupted it. */
    public static final int INTERRUPTED = 3;

    static final int FUTEX_WAIT = 0;
    static final int FUTEX_WAKE = 1;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int TIMESPEC_SECONDS = 0;
    private static final int TIMESPEC_NANOS = 8;
    private static final long NO_TIMEOUT = 0;

    private Futex() {
    }

    /**
     * Sleeps while the word at {@code address} holds {@code expectedValue}, until woken, the timeout elapses or a
     * signal arrives.
     *
     * @param address       absolute address of a 4-byte aligned word inside a shared mapping
     * @param expectedValue the value the caller saw; if the word differs the call returns at once
     * @param timeoutNanos  relative timeout (monotonic clock); {@code <= 0} means wait without timeout
     * @return {@link #WOKEN}, {@link #TIMED_OUT}, {@link #VALUE_CHANGED} or {@link #INTERRUPTED}
     * @throws IllegalArgumentException if {@code address} is not 4-byte aligned
     * @throws UncheckedIOException     wrapping a {@link NativeException} for any other failure (e.g. {@code EFAULT}
     *                                  for an unmapped address)
     */
    public static int wait(long address, int expectedValue, long timeoutNanos) {
        Platform.ensureSupported();
        checkAligned(address);
        long timeout = NO_TIMEOUT;
        if (timeoutNanos > 0) {
            ThreadScratch scratch = ThreadScratch.current();
            scratch.memory.setLong(TIMESPEC_SECONDS, timeoutNanos / NANOS_PER_SECOND);
            scratch.memory.setLong(TIMESPEC_NANOS, timeoutNanos % NANOS_PER_SECOND);
            timeout = scratch.address;
        }
        long result = LibC.syscall(LibC.SYS_FUTEX, address, FUTEX_WAIT, expectedValue, timeout, 0, 0);
        if (result == 0) {
            return WOKEN;
        }
        int errno = LibC.errno();
        switch (errno) {
            case Errno.EAGAIN:
                return VALUE_CHANGED;
            case Errno.ETIMEDOUT:
                return TIMED_OUT;
            case Errno.EINTR:
                return INTERRUPTED;
            default:
                throw failure("FUTEX_WAIT", address, errno);
        }
    }

    /**
     * Wakes up to {@code maxWaiters} threads (of any process) sleeping in {@link #wait} on the word at
     * {@code address}.
     *
     * @param address    absolute address of a 4-byte aligned word inside a shared mapping
     * @param maxWaiters how many waiters to wake at most; {@link Integer#MAX_VALUE} for all
     * @return how many waiters were woken
     * @throws IllegalArgumentException if {@code address} is not 4-byte aligned
     * @throws UncheckedIOException     wrapping a {@link NativeException} if the kernel refuses the call
     */
    public static int wake(long address, int maxWaiters) {
        Platform.ensureSupported();
        checkAligned(address);
        long woken = LibC.syscall(LibC.SYS_FUTEX, address, FUTEX_WAKE, maxWaiters, 0, 0, 0);
        if (woken < 0) {
            throw failure("FUTEX_WAKE", address, LibC.errno());
        }
        return (int) woken;
    }

    private static void checkAligned(long address) {
        if ((address & (Integer.BYTES - 1)) != 0) {
            throw new IllegalArgumentException("a futex word must be 4-byte aligned: 0x" + Long.toHexString(address));
        }
    }

    private static UncheckedIOException failure(String operation, long address, int errno) {
        return new UncheckedIOException(
            new NativeException("futex", "futex(0x" + Long.toHexString(address) + ", " + operation + ")", errno));
    }
}
