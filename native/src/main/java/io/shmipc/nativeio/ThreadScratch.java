package io.shmipc.nativeio;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A small block of native memory owned by one thread, for the in/out structures of single calls (futex timespec,
 * eventfd counter, struct stat) so that those calls allocate nothing after a thread's first use.
 *
 * <p>Why a {@link ThreadLocal}: the kernel needs a pointer to user memory for these arguments, and JNA gives Java no
 * stack memory, so the choice is per-call allocation or a per-thread block; the lookup costs a few nanoseconds
 * against a system call's hundreds. A block is used for exactly one system call at a time and never across calls
 * that could nest. The memory is freed by JNA's cleaner once the thread is gone.
 */
final class ThreadScratch {
    /** Large enough for the largest user, {@code struct stat} (144 bytes). */
    static final int SIZE = 256;

    private static final ThreadLocal<ThreadScratch> CURRENT = ThreadLocal.withInitial(ThreadScratch::new);

    final Memory memory = new Memory(SIZE);
    final long address = Pointer.nativeValue(memory);

    private ThreadScratch() {
    }

    static ThreadScratch current() {
        return CURRENT.get();
    }
}
