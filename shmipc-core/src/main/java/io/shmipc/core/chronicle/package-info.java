/**
 * Chronicle Bytes views over shared-memory slices, for applications that already encode with Chronicle (Bytes
 * marshallable, Chronicle Wire): {@link io.shmipc.core.chronicle.ChronicleReservation} writes into a
 * {@link io.shmipc.core.StreamWriter#reserve(int) reservation}, {@link io.shmipc.core.chronicle.ChronicleView}
 * reads a {@link io.shmipc.core.StreamReader#view(int) view}, both without copying.
 *
 * <p>{@code net.openhft:chronicle-bytes} is an optional dependency of shmipc-core: declare it to use this package.
 * Pointer wrapping needs no JVM flag beyond the ones shmipc itself needs; on first use Chronicle logs a
 * warning about its ByteBuffer cleaner unless the JVM also has
 * {@code --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED}.
 */
package io.shmipc.core.chronicle;
