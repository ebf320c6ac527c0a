package io.shmipc.core.chronicle;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chronicle Bytes is optional: without it the views say which dependency is missing. */
class ChronicleClassPathTest {
    private static final String MISSING = "Chronicle Bytes views need net.openhft:chronicle-bytes on the class path";

    @Test
    void shouldNameTheMissingDependencyWhenChronicleIsNotOnTheClassPath() throws Exception {
        final String withoutChronicle = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("openhft"))
            .collect(Collectors.joining(File.pathSeparator));
        final Process process = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
            "-cp", withoutChronicle, WithoutChronicle.class.getName()))
            .redirectErrorStream(true).start();
        try {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the JVM without Chronicle ended");
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            assertEquals(List.of("reservation: " + MISSING, "view: " + MISSING), output.lines()
                .map(line -> line.replaceAll(": it is an optional.*", "")).toList(), output);
        } finally {
            process.destroyForcibly();
        }
    }

    /** Runs in a JVM whose class path lacks Chronicle: prints what each view's constructor throws. */
    static final class WithoutChronicle {
        private WithoutChronicle() {
        }

        public static void main(final String[] args) {
            try {
                new ChronicleReservation();
                System.out.println("reservation: created");
            } catch (final IllegalStateException e) {
                System.out.println("reservation: " + e.getMessage());
            }
            try {
                new ChronicleView();
                System.out.println("view: created");
            } catch (final IllegalStateException e) {
                System.out.println("view: " + e.getMessage());
            }
        }
    }
}
