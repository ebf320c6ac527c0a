/**
 * Thin, policy-free JNA bindings to the Linux x86-64 system calls that shared-memory IPC needs: cross-process futex,
 * eventfd, memfd with seals, file descriptors, shared mappings and {@code AF_UNIX} stream sockets that pass file
 * descriptors.
 *
 * <p>Every native function is bound with JNA direct mapping ({@code Native.register}) and a fixed arity, so a call
 * costs one JNI transition and, on the futex path, allocates nothing. C structures are laid out by hand in native
 * memory at named offsets. Failures surface as {@link io.shmipc.nativeio.NativeException}, whose message names the
 * call, the errno name and its text.
 *
 * <p>Call {@link io.shmipc.nativeio.Platform#isSupported()} before anything else when the code may run elsewhere than
 * Linux x86-64: every entry point of this package throws one readable {@link UnsupportedOperationException} there,
 * never an {@link UnsatisfiedLinkError}.
 */
package io.shmipc.nativeio;
