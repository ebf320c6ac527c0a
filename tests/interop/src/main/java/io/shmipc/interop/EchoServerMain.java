package io.shmipc.interop;

/**
 * The Java echo server of the interop suite: {@code EchoServerMain -socket PATH}. Same contract as the Go
 * echo-server (READY on stdout, echo every frame, exit 0 after SIGTERM when no CRC error was seen); it is the demo's
 * echo server, so both suites exercise one implementation.
 */
public final class EchoServerMain {
    private EchoServerMain() {
    }

    public static void main(final String[] args) throws Exception {
        io.shmipc.demo.EchoServerMain.main(args);
    }
}
