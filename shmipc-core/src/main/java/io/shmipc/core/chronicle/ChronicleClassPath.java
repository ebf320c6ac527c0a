package io.shmipc.core.chronicle;

/**
 * Checks that Chronicle Bytes, an optional dependency, is there before anything that needs it is loaded, so that a
 * missing jar is reported as such rather than as a bare {@link NoClassDefFoundError}. Deliberately free of Chronicle
 * types: the JVM cannot even verify a class that uses them when the jar is missing.
 */
final class ChronicleClassPath {
    private static final String CHRONICLE_CLASS = "net.openhft.chronicle.bytes.PointerBytesStore";

    private ChronicleClassPath() {
    }

    /** @throws IllegalStateException if {@code net.openhft:chronicle-bytes} is not on the class path */
    static void require() {
        try {
            Class.forName(CHRONICLE_CLASS, false, ChronicleClassPath.class.getClassLoader());
        } catch (final ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("Chronicle Bytes views need net.openhft:chronicle-bytes on the class "
                + "path: it is an optional dependency of shmipc-core, so add it to your build", e);
        }
    }
}
