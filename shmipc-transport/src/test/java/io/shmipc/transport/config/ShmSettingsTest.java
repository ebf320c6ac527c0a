package io.shmipc.transport.config;

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
        props.setProperty("shmipc.queue.cap", "200");
        props.setProperty("shmipc.concurrency", "3");
        final Map<String, String> env = Map.of(
            "SHMIPC_QUEUE_CAP", "300",
            "SHMIPC_CONCURRENCY", "4",
            "SHMIPC_BUFFER_CAPACITY", "64m");

        final ShmSettings settings = ShmSettings.builder().queueCapacity(100).resolve(props, env);

        assertEquals(100, settings.queueCapacity());
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
        final Map<String, String> env = Map.of(
            "SHMIPC_ENABLE", "true",
            "SHMIPC_PATH", "/run/app/shmipc.sock",
            "SHMIPC_FALLBACK_ADDR", "10.0.0.5:8888",
            "SHMIPC_MEMORY_TYPE", "file",
            "SHMIPC_BUFFER_CAPACITY", "1048576",
            "SHMIPC_SLICE_SIZE_PERCENTS", "4096:60, 65536:40",
            "SHMIPC_QUEUE_CAP", "1024",
            "SHMIPC_CONCURRENCY", "2");

        final ShmSettings settings = ShmSettings.builder().resolve(new Properties(), env);

        assertTrue(settings.enabled());
        assertEquals("/run/app/shmipc.sock", settings.path());
        assertEquals("10.0.0.5:8888", settings.fallbackAddress());
        assertEquals(MemoryType.FILE, settings.memoryType());
        assertEquals(1 << 20, settings.bufferCapacity());
        assertEquals(List.of(new SliceSizePercent(4096, 60), new SliceSizePercent(65536, 40)),
            settings.sliceSizePercents());
        assertEquals(1024, settings.queueCapacity());
        assertEquals(2, settings.concurrency());
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
        assertEquals(ShmSettings.DEFAULT_SLICE_SIZE_PERCENTS, settings.sliceSizePercents());
    }

    @Test
    void shouldAcceptKitexNumericMemoryType()
    {
        assertEquals(MemoryType.MEMFD, MemoryType.parse("1"));
        assertEquals(MemoryType.FILE, MemoryType.parse("0"));
    }

    @Test
    void shouldNameVariableAndValueWhenEnvironmentValueIsInvalid()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ShmSettings.builder().resolve(new Properties(), Map.of("SHMIPC_QUEUE_CAP", "lots")));
        assertTrue(ex.getMessage().startsWith("environment variable SHMIPC_QUEUE_CAP='lots' is invalid"),
            ex.getMessage());

        final Properties props = new Properties();
        props.setProperty("shmipc.slice.size.percents", "4096:50");
        final IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
            () -> ShmSettings.builder().resolve(props, Map.of()));
        assertTrue(sum.getMessage().contains("system property shmipc.slice.size.percents") &&
            sum.getMessage().contains("add up to 100"), sum.getMessage());
    }

    @Test
    void shouldLetValidCodeValueWinOverInvalidLowerLayers()
    {
        final ShmSettings settings = ShmSettings.builder().enabled(false)
            .resolve(new Properties(), Map.of("SHMIPC_ENABLE", "maybe"));
        assertFalse(settings.enabled());
    }
}
