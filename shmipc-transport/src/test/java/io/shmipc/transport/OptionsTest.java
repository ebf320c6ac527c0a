package io.shmipc.transport;

import io.shmipc.transport.config.SettingSource;
import io.shmipc.transport.config.ShmSetting;
import io.shmipc.transport.config.ShmSettings;
import io.shmipc.transport.remote.TransHandler;
import io.shmipc.transport.remote.TransServer;
import io.shmipc.transport.remote.TransServerFactory;
import io.shmipc.transport.tcp.TcpDialer;
import io.shmipc.transport.tcp.TcpTransServerFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest
{
    private static final RpcHandler ECHO = (ctx, request) -> request;

    @Test
    void shouldApplyPrecedenceCodeOverPropertyOverEnvironmentThroughTheSuite()
    {
        final Properties props = new Properties();
        props.setProperty("shmipc.path", "/from/property.sock");
        props.setProperty("shmipc.concurrency", "7");
        final Map<String, String> env = Map.of(
            "SHMIPC_ENABLE", "true",
            "SHMIPC_PATH", "/from/env.sock",
            "SHMIPC_CONCURRENCY", "9",
            "SHMIPC_QUEUE_CAP", "512");

        final ClientOptions.Builder builder = ClientOptions.builder().target("127.0.0.1:1");
        builder.shm().concurrency(5);
        final ClientOptions options = builder.suite(EnvironmentSuite.of(props, env)).build();

        assertTrue(options.shmSettings().enabled());
        assertEquals(5, options.shmSettings().concurrency());
        assertEquals(SettingSource.CODE, options.shmSettings().source(ShmSetting.CONCURRENCY));
        assertEquals("/from/property.sock", options.shmSettings().path());
        assertEquals(512, options.shmSettings().queueCapacity());
        assertEquals(SettingSource.ENVIRONMENT, options.shmSettings().source(ShmSetting.QUEUE_CAP));
        assertEquals(List.of("environment"), options.suites());
    }

    @Test
    void shouldSpinBrieflyInRpcSessionsUnlessSet()
    {
        assertEquals(ShmSettings.RPC_DEFAULT_SPIN, ServerOptions.builder(ECHO).build().shmSessionConfig()
            .spinIterations());
        assertEquals(ShmSettings.RPC_DEFAULT_SPIN, ClientOptions.builder().target("127.0.0.1:1").build()
            .shmSessionConfig().spinIterations());
        final ServerOptions.Builder server = ServerOptions.builder(ECHO);
        server.shm().spinIterations(7);
        assertEquals(7, server.build().shmSessionConfig().spinIterations());
        final ClientOptions client = ClientOptions.builder().target("127.0.0.1:1")
            .suite(EnvironmentSuite.of(new Properties(), Map.of("SHMIPC_SPIN", "30000"))).build();
        assertEquals(30000, client.shmSessionConfig().spinIterations());
        assertEquals(SettingSource.ENVIRONMENT, client.shmSettings().source(ShmSetting.SPIN));
    }

    @Test
    void shouldIgnoreEnvironmentWithoutTheEnvironmentSuite()
    {
        final ClientOptions options = ClientOptions.builder().target("127.0.0.1:1").build();
        assertEquals(SettingSource.DEFAULT, options.shmSettings().source(ShmSetting.ENABLE));
    }

    @Test
    void shouldTakeTcpAddressFromCodeTargetBeforeFallbackAddress()
    {
        final EnvironmentSuite env = EnvironmentSuite.of(new Properties(), Map.of("SHMIPC_FALLBACK_ADDR", "10.1.1.1:99"));
        assertEquals("127.0.0.1:1", ClientOptions.builder().target("127.0.0.1:1").suite(env).build().tcpAddress());
        assertEquals("10.1.1.1:99", ClientOptions.builder().suite(env).build().tcpAddress());

        final Properties props = new Properties();
        props.setProperty("shmipc.fallback.addr", "10.2.2.2:77");
        assertEquals("10.2.2.2:77", ClientOptions.builder().suite(EnvironmentSuite.of(props,
            Map.of("SHMIPC_FALLBACK_ADDR", "10.1.1.1:99"))).build().tcpAddress());
    }

    @Test
    void shouldExplainMissingTcpAddress()
    {
        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> ClientOptions.builder().build());
        assertTrue(ex.getMessage().contains("SHMIPC_FALLBACK_ADDR"), ex.getMessage());
    }

    @Test
    void shouldRefuseTwoTransServerFactoriesOfTheSameKind()
    {
        final ServerOptions.Builder builder = ServerOptions.builder(ECHO).transServerFactory(new TcpTransServerFactory());
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> builder.transServerFactory(new TcpTransServerFactory()));
        assertTrue(ex.getMessage().contains("TransServerFactory for TCP is already set") &&
            ex.getMessage().contains("one factory per transport kind"), ex.getMessage());
    }

    @Test
    void shouldAcceptFactoriesOfDifferentKinds()
    {
        final TransServerFactory shm = new TransServerFactory()
        {
            @Override
            public TransportKind kind()
            {
                return TransportKind.SHM;
            }

            @Override
            public TransServer newTransServer(final ServerOptions options, final TransHandler handler)
            {
                throw new UnsupportedOperationException();
            }
        };
        final ServerOptions options = ServerOptions.builder(ECHO).transServerFactory(shm).build();
        assertEquals(2, options.transServerFactories().size());
    }

    @Test
    void shouldRefuseTwoDialersOfTheSameKind()
    {
        try (TcpDialer first = new TcpDialer(1, false, 1024); TcpDialer second = new TcpDialer(1, false, 1024))
        {
            final ClientOptions.Builder builder = ClientOptions.builder().dialer(first);
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> builder.dialer(second));
            assertTrue(ex.getMessage().contains("Dialer for TCP is already registered"), ex.getMessage());
        }
    }

    @Test
    void shouldApplyACustomSuiteToBothSides()
    {
        final Suite lowLatency = new Suite()
        {
            @Override
            public String name()
            {
                return "low-latency";
            }

            @Override
            public void apply(final ClientOptions.Builder builder)
            {
                builder.connectionsPerAddress(4).ioThreads(2);
            }

            @Override
            public void apply(final ServerOptions.Builder builder)
            {
                builder.ioThreads(2).maxFrameSize(1 << 16);
            }
        };
        final ClientOptions client = ClientOptions.builder().target("127.0.0.1:1").suite(lowLatency).build();
        final ServerOptions server = ServerOptions.builder(ECHO).suite(lowLatency).build();
        assertEquals(4, client.connectionsPerAddress());
        assertEquals(1 << 16, server.maxFrameSize());
        assertEquals(List.of("low-latency"), server.suites());
    }
}
