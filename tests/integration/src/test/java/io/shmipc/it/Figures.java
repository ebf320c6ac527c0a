package io.shmipc.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Measured figures (detection times, rates) printed to stdout with a fixed prefix so they stand out in the build log,
 * and appended to target/itest-figures.txt for a summary after the run.
 */
final class Figures {
    private static final Path FILE = Path.of("target", "itest-figures.txt");

    private Figures() {
    }

    static synchronized void report(final String what, final String value) {
        final String line = "[itest figure] " + what + ": " + value;
        System.out.println(line);
        try {
            Files.writeString(FILE, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        } catch (final IOException ignored) {
            // stdout has it
        }
    }

    static String millis(final long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }
}
