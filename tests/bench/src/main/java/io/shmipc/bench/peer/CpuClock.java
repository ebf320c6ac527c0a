package io.shmipc.bench.peer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * CPU time consumed by a process, read from {@code /proc}: the sum over its live threads of the run time in
 * {@code /proc/<pid>/task/<tid>/schedstat} (nanoseconds), or, where that file is missing, user plus system time
 * from {@code /proc/<pid>/stat} (clock ticks, 10 ms each).
 */
public final class CpuClock
{
    /** Linux reports {@code /proc/<pid>/stat} times in USER_HZ, which is 100 on every mainstream architecture. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    /** utime is field 14 of {@code stat}; counting from the field after the command's closing parenthesis (3). */
    private static final int UTIME_INDEX = 14 - 3;
    private static final int STIME_INDEX = 15 - 3;

    private CpuClock()
    {
    }

    /**
     * @param pid a process id.
     * @return CPU nanoseconds the process has used so far.
     * @throws IllegalStateException when the process is gone or {@code /proc} cannot be read.
     */
    public static long processCpuNanos(final long pid)
    {
        try
        {
            final long fromSchedstat = sumThreadSchedstat(pid);
            return fromSchedstat >= 0 ? fromSchedstat : statTicks(pid) * NANOS_PER_TICK;
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot read CPU time of process " + pid + ": " + e.getMessage(), e);
        }
    }

    private static long sumThreadSchedstat(final long pid) throws IOException
    {
        long total = 0;
        boolean any = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks)
            {
                final String line;
                try
                {
                    line = Files.readString(task.resolve("schedstat")).trim();
                }
                catch (final NoSuchFileException e)
                {
                    continue; // the thread ended while we listed
                }
                final int space = line.indexOf(' ');
                total += Long.parseLong(space < 0 ? line : line.substring(0, space));
                any = true;
            }
        }
        return any ? total : -1;
    }

    private static long statTicks(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[UTIME_INDEX]) + Long.parseLong(fields[STIME_INDEX]);
    }
}
