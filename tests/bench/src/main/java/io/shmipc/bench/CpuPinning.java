package io.shmipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts each peer on its own CPU with {@code taskset -c}: the client on the first allowed CPU, the server on the
 * second, a third peer back on the first. On these VMs a wake-up across idle vCPUs costs tens of microseconds and
 * unpinned runs are bimodal, so pinning is the default when at least two CPUs and {@code taskset} are there.
 */
public final class CpuPinning
{
    /** Slot of the client (and the chain's last service). */
    public static final int CLIENT_SLOT = 0;
    /** Slot of the server (and the chain's middle service). */
    public static final int SERVER_SLOT = 1;
    /** Slot of the chain's last service. */
    public static final int DOWNSTREAM_SLOT = 2;

    private final List<Integer> cpus;
    private final String taskset;
    private final String disabledReason;

    private CpuPinning(final List<Integer> cpus, final String taskset, final String disabledReason)
    {
        this.cpus = cpus;
        this.taskset = taskset;
        this.disabledReason = disabledReason;
    }

    /**
     * @param wanted whether the user asked for pinning.
     * @return pinning over the CPUs this process may use, or disabled with the reason.
     */
    public static CpuPinning detect(final boolean wanted)
    {
        if (!wanted)
        {
            return new CpuPinning(List.of(), null, "disabled by --no-pin");
        }
        final List<Integer> cpus = allowedCpus();
        if (cpus.size() < 2)
        {
            return new CpuPinning(cpus, null, "fewer than 2 CPUs");
        }
        final String taskset = Executables.find("taskset");
        if (taskset == null)
        {
            return new CpuPinning(cpus, null, "taskset not found");
        }
        return new CpuPinning(cpus, taskset, null);
    }

    /**
     * @return true when peers are pinned.
     */
    public boolean enabled()
    {
        return taskset != null;
    }

    /**
     * @return a short description for reports, e.g. {@code "client cpu 0, server cpu 1"}.
     */
    public String describe()
    {
        return enabled() ?
            "client on cpu " + cpuFor(CLIENT_SLOT) + ", server on cpu " + cpuFor(SERVER_SLOT) :
            "not pinned (" + disabledReason + ")";
    }

    /**
     * @param slot {@link #CLIENT_SLOT}, {@link #SERVER_SLOT} or {@link #DOWNSTREAM_SLOT}.
     * @return the command prefix that pins a peer in that slot, empty when pinning is off.
     */
    public List<String> prefixFor(final int slot)
    {
        return enabled() ? List.of(taskset, "-c", Integer.toString(cpuFor(slot))) : List.of();
    }

    private int cpuFor(final int slot)
    {
        return cpus.get(slot % cpus.size());
    }

    private static List<Integer> allowedCpus()
    {
        final List<Integer> cpus = new ArrayList<>();
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    for (final String range : line.substring(line.indexOf(':') + 1).trim().split(","))
                    {
                        final String[] bounds = range.trim().split("-");
                        final int first = Integer.parseInt(bounds[0]);
                        final int last = bounds.length > 1 ? Integer.parseInt(bounds[1]) : first;
                        for (int cpu = first; cpu <= last; cpu++)
                        {
                            cpus.add(cpu);
                        }
                    }
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            cpus.clear();
        }
        if (cpus.isEmpty())
        {
            for (int cpu = 0; cpu < Runtime.getRuntime().availableProcessors(); cpu++)
            {
                cpus.add(cpu);
            }
        }
        return cpus;
    }
}
