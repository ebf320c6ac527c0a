package io.shmipc.nativeio;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * glibc functions, bound with JNA direct mapping (one JNI transition per call, fixed arity, no varargs marshalling).
 *
 * <p>Pointers are passed as {@code long} addresses so that no {@code Pointer} object is created per call. Failures
 * are read with {@link Native#getLastError()} right after a call returns -1; JNA keeps errno per thread for direct
 * calls. Loading this class registers the natives: touch it only after {@link Platform} has checked the OS.
 */
final class LibC {
    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    static final long SYS_FSTAT = 5;
    static final long SYS_FUTEX = 202;
    static final long SYS_EVENTFD2 = 290;
    static final long SYS_MEMFD_CREATE = 319;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    /** glibc's variadic {@code syscall()} bound with seven integer slots; on x86-64 this matches the variadic ABI. */
    static native long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5, long arg6);

    static native int open(byte[] path, int flags, int mode);

    static native int close(int fd);

    static native long read(int fd, long buffer, long count);

    static native long write(int fd, long buffer, long count);

    static native int ftruncate(int fd, long length);

    static native int fchmod(int fd, int mode);

    static native int chmod(byte[] path, int mode);

    static native int unlink(byte[] path);

    static native int fcntl(int fd, int command, int argument);

    static native int flock(int fd, int operation);

    static native int getuid();

    static native int getpid();

    static native int kill(int pid, int signal);

    static native long mmap(long address, long length, int protection, int flags, int fd, long offset);

    static native int munmap(long address, long length);

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, long address, int addressLength);

    static native int listen(int fd, int backlog);

    static native int accept4(int fd, long address, long addressLength, int flags);

    static native int connect(int fd, long address, int addressLength);

    static native long send(int fd, long buffer, long length, int flags);

    static native long sendmsg(int fd, long message, int flags);

    static native long recvmsg(int fd, long message, int flags);

    static native int shutdown(int fd, int how);

    static native int getsockopt(int fd, int level, int option, long value, long valueLength);

    static native int poll(long fds, long count, int timeoutMillis);

    static native long strerror(int errno);

    /** errno of the last failed call on this thread. */
    static int errno() {
        return Native.getLastError();
    }
}
