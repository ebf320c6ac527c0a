package io.shmipc.sidecar;

import io.shmipc.transport.codec.IntInfoKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SidecarConfigTest
{
    @TempDir
    Path dir;

    @Test
    void shouldTakeFlagsOverEnvironmentOverFileOverDefaults() throws Exception
    {
        final Path file = dir.resolve("sidecar.conf");
        Files.writeString(file, """
            # mesh sidecar
            socket = /tmp/from-file.sock
            tcp = 127.0.0.1:7001
            call-timeout = 1500
            route = users=10.0.0.1:9000, orders=10.0.0.2:9000
            """);
        final SidecarConfig config = SidecarConfig.resolve(
            List.of("--config", file.toString(), "--socket", "/tmp/from-flag.sock", "--route", "users=10.0.0.3:9000"),
            Map.of("SHMIPC_SIDECAR_SOCKET", "/tmp/from-env.sock", "SHMIPC_SIDECAR_TCP", "127.0.0.1:7002",
                "SHMIPC_SIDECAR_ROUTE", "orders=10.0.0.4:9000"));

        assertEquals("/tmp/from-flag.sock", config.socket());
        assertEquals("127.0.0.1:7002", config.tcp());
        assertEquals(Duration.ofMillis(1500), config.callTimeout());
        assertEquals(Duration.ofSeconds(10), config.drainTimeout());
        assertEquals(Map.of("users", "10.0.0.3:9000", "orders", "10.0.0.4:9000"), config.routes().routes());
        assertNull(config.ingress());
        assertEquals("10.0.0.3:9000", config.routes().resolve(Map.of(IntInfoKey.TO_SERVICE.id(), "users",
            IntInfoKey.DEST_ADDRESS.id(), "203.0.113.9:80")), "a request's DestAddress is ignored by default");
    }

    @Test
    void shouldRejectUnknownOptionsAndKeysByName() throws Exception
    {
        final IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
            () -> SidecarConfig.resolve(List.of("--sockt", "/tmp/x"), Map.of()));
        assertTrue(flag.getMessage().contains("--sockt"), flag.getMessage());

        final Path file = dir.resolve("bad.conf");
        Files.writeString(file, "rout = users=10.0.0.1:9000\n");
        final IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
            () -> SidecarConfig.resolve(List.of("--config=" + file), Map.of()));
        assertTrue(key.getMessage().contains("'rout'"), key.getMessage());

        final IllegalArgumentException number = assertThrows(IllegalArgumentException.class,
            () -> SidecarConfig.resolve(List.of("--workers", "many"), Map.of()));
        assertTrue(number.getMessage().contains("--workers"), number.getMessage());
    }

    @Test
    void shouldRequireTheLocalAppWhenIngressIsOn()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> SidecarConfig.resolve(List.of("--ingress", "127.0.0.1:0"), Map.of()));
        assertTrue(ex.getMessage().contains("--app-socket"), ex.getMessage());
    }

    @Test
    void shouldDocumentEveryOptionInTheHelpText()
    {
        final String help = SidecarOption.helpText();
        for (final SidecarOption option : SidecarOption.values())
        {
            assertTrue(help.contains("--" + option.flag() + " ") && help.contains(option.environmentVariable()),
                option + " is missing from --help");
        }
    }
}
