package io.shmipc.nativeio;

import java.io.IOException;

/**
 * A system call failed.
 *
 * <p>The message names the call with its salient arguments, the errno name and the system's text for it, for example
 * {@code memfd_create("x") failed: EMFILE (Too many open files), errno 24}. Failures that have no errno (a truncated
 * control message, a path too long for a socket address) say why in words and report errno {@code 0} or the errno the
 * kernel would have used.
 */
public class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The failed function or system call, without arguments. */
    private final String call;
    /** The errno it left, 0 if none. */
    private final int errno;

    /**
     * Describes a call that failed with {@code errno}.
     *
     * @param call         the function or system call name, e.g. {@code "memfd_create"}
     * @param callWithArgs the call as the message shows it, e.g. {@code "memfd_create(\"x\")"}
     * @param errno        the errno the call left
     */
    public NativeException(String call, String callWithArgs, int errno) {
        this(call, callWithArgs + " failed: " + Errno.describe(errno), errno, null);
    }

    /**
     * Describes a call that failed for a reason given in words.
     *
     * @param call    the function or system call name
     * @param message the full message, which should start with the call
     * @param errno   the errno that best matches, or {@code 0} when none does
     * @param cause   the underlying cause, or {@code null}
     */
    public NativeException(String call, String message, int errno, Throwable cause) {
        super(message, cause);
        this.call = call;
        this.errno = errno;
    }

    /**
     * The function or system call that failed, without arguments, e.g. {@code "open"}; the message shows the
     * arguments.
     *
     * @return the call name
     */
    public String call() {
        return call;
    }

    /**
     * The errno the call left, see {@link Errno}; {@code 0} when the failure has no errno.
     *
     * @return the errno number
     */
    public int errno() {
        return errno;
    }
}
