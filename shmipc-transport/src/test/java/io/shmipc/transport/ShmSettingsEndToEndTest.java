package io.shmipc.transport;

import io.shmipc.core.MemoryType;
import io.shmipc.core.Session;
import io.shmipc.transport.config.SettingSource;
import io.shmipc.transport.config.ShmSetting;
import io.shmipc.transport.config.ShmSettings;
import io.shmipc.transport.shm.ShmTransServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Code &gt; system property &gt; environment &gt; default, from the client's options to the session the server
 * accepts: what the server sees of the regions the client made is what the winning layer said.
 */
@Timeout(60)
class ShmSettingsEndToEndTest
{
    @TempDir
    Path dir;

    @Test
    void shouldBuildTheSessionFromTheWinningLayerOfEachSetting()
    {
        final Path socket = dir.resolve("precedence.sock");
        final ServerOptions.Builder serverOptions = ServerOptions.builder((ctx, request) -> request)
            .drainTimeout(Duration.ofSeconds(1));
        serverOptions.shm().enabled(true).path(socket.toString());
        try (RpcServer server = RpcServer.start(serverOptions.build()))
        {
            final Properties properties = new Properties();
            properties.setProperty("shmipc.path", socket.toString());
            properties.setProperty("shmipc.slice.size.percents", "2028:30,16364:70");
            final Map<String, String> environment = Map.of(
                "SHMIPC_ENABLE", "true",
                "SHMIPC_PATH", dir.resolve("not-this-one.sock").toString(),
                "SHMIPC_MEMORY_TYPE", "memfd",
                "SHMIPC_QUEUE_CAP", "256",
                "SHMIPC_SLICE_SIZE_PERCENTS", "4076:50,65516:50",
                "SHMIPC_BUFFER_CAPACITY", "4m");
            // Not the 1 s default connect timeout: a handshake held up on a loaded machine would fall back to TCP.
            final ClientOptions.Builder builder = ClientOptions.builder().target(server.tcpAddress())
                .connectTimeout(Duration.ofSeconds(10)).suite(EnvironmentSuite.of(properties, environment));
            builder.shm().memoryType(MemoryType.FILE).filePrefix(dir.resolve("region").toString());
            final ClientOptions options = builder.build();

            final ShmSettings settings = options.shmSettings();
            assertEquals(SettingSource.CODE, settings.source(ShmSetting.MEMORY_TYPE));
            assertEquals(SettingSource.SYSTEM_PROPERTY, settings.source(ShmSetting.PATH));
            assertEquals(SettingSource.SYSTEM_PROPERTY, settings.source(ShmSetting.SLICE_SIZE_PERCENTS));
            assertEquals(SettingSource.ENVIRONMENT, settings.source(ShmSetting.QUEUE_CAP));
            assertEquals(SettingSource.ENVIRONMENT, settings.source(ShmSetting.BUFFER_CAPACITY));
            assertEquals(SettingSource.DEFAULT, settings.source(ShmSetting.SPIN));

            try (RpcClient client = RpcClient.create(options))
            {
                assertEquals(TransportKind.SHM, client.call(Request.of("echo", new byte[8])).callInfo().transport());
                final List<Session> accepted = ((ShmTransServer)server.transServer(TransportKind.SHM)).sessions();
                assertEquals(1, accepted.size());
                final Session session = accepted.get(0);
                assertEquals(MemoryType.FILE, session.memoryType(), "code beats the environment");
                assertEquals(2, session.protocolVersion(), "file regions: the v2 handshake");
                final String dump = session.debugDump();
                assertTrue(dump.contains("slices of 2028 B") && dump.contains("slices of 16364 B"),
                    "the system property beats the environment:\n" + dump);
                assertTrue(dump.contains("/256 elements"), "queue capacity from the environment:\n" + dump);
            }
        }
    }
}
