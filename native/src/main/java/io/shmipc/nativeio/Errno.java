package io.shmipc.nativeio;

import com.sun.jna.Pointer;

/**
 * Linux errno numbers (the generic values x86-64 uses) and their names, for reading {@link NativeException#errno()}.
 */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** No such process. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Input/output error. */
    public static final int EIO = 5;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Resource temporarily unavailable (also EWOULDBLOCK). */
    public static final int EAGAIN = 11;
    /** Cannot allocate memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Too many open files in system. */
    public static final int ENFILE = 23;
    /** Too many open files. */
    public static final int EMFILE = 24;
    /** File too large. */
    public static final int EFBIG = 27;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Broken pipe. */
    public static final int EPIPE = 32;
    /** File name too long. */
    public static final int ENAMETOOLONG = 36;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Too many levels of symbolic links. */
    public static final int ELOOP = 40;
    /** Value too large for defined data type. */
    public static final int EOVERFLOW = 75;
    /** Socket operation on non-socket. */
    public static final int ENOTSOCK = 88;
    /** Message too long. */
    public static final int EMSGSIZE = 90;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Address already in use. */
    public static final int EADDRINUSE = 98;
    /** Software caused connection abort. */
    public static final int ECONNABORTED = 103;
    /** Connection reset by peer. */
    public static final int ECONNRESET = 104;
    /** No buffer space available. */
    public static final int ENOBUFS = 105;
    /** Transport endpoint is already connected. */
    public static final int EISCONN = 106;
    /** Transport endpoint is not connected. */
    public static final int ENOTCONN = 107;
    /** Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** Connection refused. */
    public static final int ECONNREFUSED = 111;
    /** Operation already in progress. */
    public static final int EALREADY = 114;

    private static final String[] NAMES = new String[EALREADY + 1];

    static {
        name(EPERM, "EPERM");
        name(ENOENT, "ENOENT");
        name(ESRCH, "ESRCH");
        name(EINTR, "EINTR");
        name(EIO, "EIO");
        name(EBADF, "EBADF");
        name(EAGAIN, "EAGAIN");
        name(ENOMEM, "ENOMEM");
        name(EACCES, "EACCES");
        name(EFAULT, "EFAULT");
        name(EBUSY, "EBUSY");
        name(EEXIST, "EEXIST");
        name(ENODEV, "ENODEV");
        name(ENOTDIR, "ENOTDIR");
        name(EISDIR, "EISDIR");
        name(EINVAL, "EINVAL");
        name(ENFILE, "ENFILE");
        name(EMFILE, "EMFILE");
        name(EFBIG, "EFBIG");
        name(ENOSPC, "ENOSPC");
        name(EROFS, "EROFS");
        name(EPIPE, "EPIPE");
        name(ENAMETOOLONG, "ENAMETOOLONG");
        name(ENOSYS, "ENOSYS");
        name(ELOOP, "ELOOP");
        name(EOVERFLOW, "EOVERFLOW");
        name(ENOTSOCK, "ENOTSOCK");
        name(EMSGSIZE, "EMSGSIZE");
        name(EOPNOTSUPP, "EOPNOTSUPP");
        name(EADDRINUSE, "EADDRINUSE");
        name(ECONNABORTED, "ECONNABORTED");
        name(ECONNRESET, "ECONNRESET");
        name(ENOBUFS, "ENOBUFS");
        name(EISCONN, "EISCONN");
        name(ENOTCONN, "ENOTCONN");
        name(ETIMEDOUT, "ETIMEDOUT");
        name(ECONNREFUSED, "ECONNREFUSED");
        name(EALREADY, "EALREADY");
    }

    private Errno() {
    }

    private static void name(int errno, String name) {
        NAMES[errno] = name;
    }

    /**
     * The symbolic name of an errno number.
     *
     * @param errno the errno number
     * @return e.g. {@code "ENOENT"}, or {@code "errno 123"} for a number this class does not name
     */
    public static String name(int errno) {
        if (errno > 0 && errno < NAMES.length && NAMES[errno] != null) {
            return NAMES[errno];
        }
        return "errno " + errno;
    }

    /**
     * The system's text for an errno number ({@code strerror}).
     *
     * @param errno the errno number
     * @return e.g. {@code "No such file or directory"}
     */
    public static String text(int errno) {
        if (Platform.isSupported()) {
            long text = LibC.strerror(errno);
            if (text != 0) {
                return new Pointer(text).getString(0);
            }
        }
        return "unknown error";
    }

    /**
     * Name, text and number together, as {@link NativeException} messages show them.
     *
     * @param errno the errno number
     * @return e.g. {@code "ENOENT (No such file or directory), errno 2"}
     */
    public static String describe(int errno) {
        return name(errno) + " (" + text(errno) + "), errno " + errno;
    }
}
