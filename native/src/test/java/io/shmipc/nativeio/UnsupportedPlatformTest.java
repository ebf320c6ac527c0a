package io.shmipc.nativeio;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnsupportedPlatformTest {
    @Test
    void shouldBeSupportedHere() {
        assertNull(Platform.unsupportedReason());
        assertTrue(Platform.isSupported());
        Platform.ensureSupported();
    }

    @Test
    void shouldExplainInOneSentenceWhenTheOsIsNotLinux() throws Exception {
        Process peer = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dos.name=Mac OS X",
            "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"),
            UnsupportedPlatformPeer.class.getName()))
            .redirectErrorStream(true)
            .start();
        peer.getOutputStream().close();
        assertTrue(peer.waitFor(30, TimeUnit.SECONDS), "the peer JVM exited");
        String output = new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, peer.exitValue(), output);
        assertTrue(output.contains("supported=false"), output);
        assertTrue(output.contains("reason=shared-memory IPC needs Linux; this is Mac OS X"), output);
        assertTrue(output.contains("thrown=java.lang.UnsupportedOperationException: shared-memory IPC needs Linux; "
            + "this is Mac OS X"), output);
    }
}
