package io.shmipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Facts about the machine a run measured, for the report and the JSON {@code machine} object.
 */
public final class MachineInfo
{
    private static final long KIB_PER_GIB = 1024L * 1024L;

    private MachineInfo()
    {
    }

    /**
     * @param pinning how peers were pinned.
     * @param waitMode the wait mode of the run.
     * @return cpu model, cores, memory, kernel, OS, Java version and VM, pinning and wait mode.
     */
    public static Map<String, Object> collect(final CpuPinning pinning, final WaitMode waitMode)
    {
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpu_model", cpuModel());
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memory_gib", memoryGib());
        machine.put("kernel", firstLine(Path.of("/proc/sys/kernel/osrelease"), System.getProperty("os.version")));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("java_version", System.getProperty("java.version"));
        machine.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        machine.put("pinning", pinning.describe());
        machine.put("wait", waitMode.label());
        return machine;
    }

    private static String cpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException e)
        {
            // fall through
        }
        return "unknown";
    }

    private static Double memoryGib()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo")))
            {
                if (line.startsWith("MemTotal:"))
                {
                    final long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Math.round(10.0 * kib / KIB_PER_GIB) / 10.0;
                }
            }
        }
        catch (final IOException | NumberFormatException e)
        {
            // fall through
        }
        return null;
    }

    private static String firstLine(final Path path, final String fallback)
    {
        try
        {
            final List<String> lines = Files.readAllLines(path);
            return lines.isEmpty() ? fallback : lines.get(0).trim();
        }
        catch (final IOException e)
        {
            return fallback;
        }
    }
}
