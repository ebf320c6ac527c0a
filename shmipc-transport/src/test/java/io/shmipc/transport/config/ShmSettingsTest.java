package io.shmipc.transport.config;

import io.shmipc.core.MemoryType;
import io.shmipc.core.SessionConfig;
import io.shmipc.core.buffer.SliceClass;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShmSettingsTest
{
    @Test
    void shouldTakeCodeOverSystemPropertyOverEnvironmentOverDefault()
    {
        final Properties props = new Properties();
        props.setProperty("shmipc.queue.cap", "208");
        props.setProperty("shmipc.concurrency", "3");
        final Map<String, String> env = Map.of(
            "SHMIPC_QUEUE_CAP", "304",
            "SHMIPC_CONCURRENCY", "4",
            "SHMIPC_BUFFER_CAPACITY", "64m");

        final ShmSettings settings = ShmSettings.builder().queueCapacity(96).resolve(props, env);

        assertEquals(96, settings.queueCapacity());
        assertEquals(SettingSource.CODE, settings.source(ShmSetting.QUEUE_CAP));
        assertEquals(3, settings.concurrency());
        assertEquals(SettingSource.SYSTEM_PROPERTY, settings.source(ShmSetting.CONCURRENCY));
        assertEquals(64L << 20, settings.bufferCapacity());
        assertEquals(SettingSource.ENVIRONMENT, settings.source(ShmSetting.BUFFER_CAPACITY));
        assertEquals(ShmSettings.DEFAULT_PATH, settings.path());
        assertEquals(SettingSource.DEFAULT, settings.source(ShmSetting.PATH));
    }

    @Test
    void shouldReadEveryVariableFromTheEnvironment()
    {
        final Map<String, String> env = Map.ofEntries(
            Map.entry("SHMIPC_ENABLE", "true"),
            Map.entry("SHMIPC_PATH", "/run/app/shmipc.sock"),
            Map.entry("SHMIPC_FALLBACK_ADDR", "10.0.0.5:8888"),
            Map.entry("SHMIPC_MEMORY_TYPE", "file"),
            Map.entry("SHMIPC_BUFFER_CAPACITY", "1048576"),
            Map.entry("SHMIPC_SLICE_SIZE_PERCENTS", "4096:60, 65536:40"),
            Map.entry("SHMIPC_QUEUE_CAP", "1024"),
            Map.entry("SHMIPC_CONCURRENCY", "2"),
            Map.entry("SHMIPC_SPIN", "500"),
            Map.entry("SHMIPC_FUTEX_WAKE", "false"),
            Map.entry("SHMIPC_MESSAGE_RINGS", "off"),
            Map.entry("SHMIPC_FILE_PREFIX", "/dev/shm/app"));

        final ShmSettings settings = ShmSettings.builder().resolve(new Properties(), env);

        assertTrue(settings.enabled());
        assertEquals("/run/app/shmipc.sock", settings.path());
        assertEquals("10.0.0.5:8888", settings.fallbackAddress());
        assertEquals(MemoryType.FILE, settings.memoryType());
        assertEquals(1 << 20, settings.bufferCapacity());
        assertEquals(List.of(new SliceClass(4096, 60), new SliceClass(65536, 40)), settings.sliceClasses());
        assertEquals(1024, settings.queueCapacity());
        assertEquals(2, settings.concurrency());
        assertEquals(500, settings.spinIterations());
        assertFalse(settings.futexWake());
        assertFalse(settings.messageRings());
        assertFalse(settings.sessionConfig().build().messageRings());
        assertEquals("/dev/shm/app", settings.filePrefix());
        for (final ShmSetting setting : ShmSetting.values())
        {
            assertEquals(SettingSource.ENVIRONMENT, settings.source(setting), setting.name());
        }
    }

    @Test
    void shouldDefaultToShmDisabledWithShmipcGoSizes()
    {
        final ShmSettings settings = ShmSettings.defaults();
        assertFalse(settings.enabled());
        assertNull(settings.fallbackAddress());
        assertEquals(MemoryType.MEMFD, settings.memoryType());
        assertEquals(32L << 20, settings.bufferCapacity());
        assertEquals(8192, settings.queueCapacity());
        assertEquals(ShmSettings.DEFAULT_SLICE_CLASSES, settings.sliceClasses());
        final SessionConfig core = SessionConfig.defaults();
        assertEquals(core.spinIterations(), settings.spinIterations());
        assertEquals(core.futexWake(), settings.futexWake());
        assertEquals(core.filePrefix(), settings.filePrefix());
    }

    @Test
    void shouldAcceptKitexNumericMemoryTypeThroughTheCoreParser()
    {
        assertEquals(MemoryType.MEMFD, ShmSettings.builder().resolve(new Properties(),
            Map.of("SHMIPC_MEMORY_TYPE", "1")).memoryType());
        assertEquals(MemoryType.FILE, ShmSettings.builder().resolve(new Properties(),
            Map.of("SHMIPC_MEMORY_TYPE", "0")).memoryType());
    }

    @Test
    void shouldMapEveryValueOntoTheCoreSessionConfig()
    {
        final Properties props = new Properties();
        props.setProperty("shmipc.slice.size.percents", "2028:40,16364:60");
        props.setProperty("shmipc.spin", "77");
        final Map<String, String> env = Map.of(
            "SHMIPC_MEMORY_TYPE", "memfd",
            "SHMIPC_BUFFER_CAPACITY", "4m",
            "SHMIPC_QUEUE_CAP", "256",
            "SHMIPC_SPIN", "99",
            "SHMIPC_FUTEX_WAKE", "off",
            "SHMIPC_FILE_PREFIX", "/dev/shm/x");

        final SessionConfig config = ShmSettings.builder().memoryType(MemoryType.FILE).resolve(props, env)
            .sessionConfig().build();

        assertEquals(MemoryType.FILE, config.memoryType(), "code");
        assertEquals(77, config.spinIterations(), "system property over environment");
        assertEquals(List.of(new SliceClass(2028, 40), new SliceClass(16364, 60)), List.of(config.sliceClasses()));
        assertEquals(4L << 20, config.bufferCapacity());
        assertEquals(256, config.queueCapacity());
        assertFalse(config.futexWake());
        assertEquals("/dev/shm/x", config.filePrefix());
    }

    @Test
    void shouldTakeARoleDefaultOnlyWhereNoLayerSetTheValue()
    {
        final ShmSettings unset = ShmSettings.builder().resolve(new Properties(), Map.of()).withDefault(ShmSetting.SPIN,
            "200");
        assertEquals(200, unset.spinIterations());
        assertEquals(SettingSource.DEFAULT, unset.source(ShmSetting.SPIN));
        final ShmSettings set = ShmSettings.builder().resolve(new Properties(), Map.of("SHMIPC_SPIN", "5000"))
            .withDefault(ShmSetting.SPIN, "200");
        assertEquals(5000, set.spinIterations());
        assertEquals(SettingSource.ENVIRONMENT, set.source(ShmSetting.SPIN));
    }

    @Test
    void shouldApplyTheCoreRulesWhileResolving()
    {
        final IllegalArgumentException queue = assertThrows(IllegalArgumentException.class,
            () -> ShmSettings.builder().resolve(new Properties(), Map.of("SHMIPC_QUEUE_CAP", "100")));
        assertTrue(queue.getMessage().startsWith("environment variable SHMIPC_QUEUE_CAP='100' is invalid") &&
            queue.getMessage().contains("multiple of 16"), queue.getMessage());
        final IllegalArgumentException memory = assertThrows(IllegalArgumentException.class,
            () -> ShmSettings.builder().resolve(new Properties(), Map.of("SHMIPC_MEMORY_TYPE", "tmpfs")));
        assertTrue(memory.getMessage().contains("'tmpfs' is not a memory type"), memory.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShmSettings.builder().bufferCapacity(100));
    }

    @Test
    void shouldNameVariableAndValueWhenEnvironmentValueIsInvalid()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ShmSettings.builder().resolve(new Properties(), Map.of("SHMIPC_QUEUE_CAP", "lots")));
        assertTrue(ex.getMessage().startsWith("environment variable SHMIPC_QUEUE_CAP='lots' is invalid"),
            ex.getMessage());

        final Properties props = new Properties();
        props.setProperty("shmipc.slice.size.percents", "4096:60,8192:50");
        final IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
            () -> ShmSettings.builder().resolve(props, Map.of()));
        assertTrue(sum.getMessage().contains("system property shmipc.slice.size.percents") &&
            sum.getMessage().contains("add up to 110, more than 100"), sum.getMessage());
    }

    @Test
    void shouldLetValidCodeValueWinOverInvalidLowerLayers()
    {
        final ShmSettings settings = ShmSettings.builder().enabled(false)
            .resolve(new Properties(), Map.of("SHMIPC_ENABLE", "maybe"));
        assertFalse(settings.enabled());
    }
}
