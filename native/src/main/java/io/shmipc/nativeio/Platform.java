package io.shmipc.nativeio;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.util.Locale;

/**
 * Whether this process can use the bindings of this package: Linux on x86-64, JNA's native library loads, and a
 * futex system call is allowed (a seccomp filter could forbid it).
 *
 * <p>The answer is computed once, on first use, and never throws; the layers above use it to fall back to TCP.
 */
public final class Platform {
    private Platform() {
    }

    /**
     * Whether the bindings work here.
     *
     * @return {@code true} on Linux x86-64 where JNA loads and a futex probe succeeds
     */
    public static boolean isSupported() {
        return Verdict.REASON == null;
    }

    /**
     * Why the bindings do not work here.
     *
     * @return {@code null} when supported, otherwise one readable sentence, e.g.
     *     {@code "shared-memory IPC needs Linux; this is Mac OS X"}
     */
    public static String unsupportedReason() {
        return Verdict.REASON;
    }

    /**
     * Fails fast where the bindings cannot work; every entry point of this package calls it first.
     *
     * @throws UnsupportedOperationException with {@link #unsupportedReason()} as message when not supported
     */
    public static void ensureSupported() {
        if (Verdict.REASON != null) {
            throw new UnsupportedOperationException(Verdict.REASON);
        }
    }

    /** Holder so the probe runs on first use, once; a constant afterwards, which the JIT folds away. */
    private static final class Verdict {
        static final String REASON = probe();

        private static String probe() {
            String os = System.getProperty("os.name", "an unknown OS");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                return "shared-memory IPC needs Linux; this is " + os;
            }
            String arch = System.getProperty("os.arch", "an unknown architecture");
            if (!arch.equals("amd64") && !arch.equals("x86_64")) {
                return "shared-memory IPC supports only x86-64 Linux; this is " + arch;
            }
            try {
                LibC.getpid();
            } catch (Throwable notLoaded) {
                return "shared-memory IPC needs JNA's native library and libc, which did not load: " + notLoaded;
            }
            return probeFutex();
        }

        /** A futex wake on a private word wakes nobody and returns 0, unless seccomp or an old kernel forbids it. */
        private static String probeFutex() {
            try (Memory word = new Memory(Integer.BYTES)) {
                word.setInt(0, 0);
                long woken = LibC.syscall(LibC.SYS_FUTEX, Pointer.nativeValue(word), Futex.FUTEX_WAKE, 1, 0, 0, 0);
                if (woken < 0) {
                    int errno = LibC.errno();
                    return "shared-memory IPC needs the futex system call, which failed with "
                        + Errno.name(errno) + ", errno " + errno;
                }
                return null;
            } catch (Throwable failed) {
                return "shared-memory IPC needs the futex system call, whose probe failed: " + failed;
            }
        }
    }
}
