package io.shmipc.nativeio;

/**
 * Run by {@link UnsupportedPlatformTest} in a JVM that claims another OS: prints what {@link Platform} says and what
 * a call into the bindings throws.
 */
public final class UnsupportedPlatformPeer {
    private UnsupportedPlatformPeer() {
    }

    public static void main(String[] args) {
        System.out.println("supported=" + Platform.isSupported());
        System.out.println("reason=" + Platform.unsupportedReason());
        try {
            MemFd.create("never");
            System.out.println("thrown=nothing");
        } catch (Throwable thrown) {
            System.out.println("thrown=" + thrown);
        }
    }
}
