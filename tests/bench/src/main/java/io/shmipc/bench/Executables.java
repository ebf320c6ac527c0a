package io.shmipc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds external programs (taskset, go) without running a shell.
 */
public final class Executables
{
    private Executables()
    {
    }

    /**
     * @param program      a program name.
     * @param alsoLookIn   directories to try after {@code PATH}, e.g. {@code /usr/local/go/bin}.
     * @return the program's absolute path, or null when it is not found.
     */
    public static String find(final String program, final String... alsoLookIn)
    {
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String directory : path.split(":"))
            {
                final String found = executableIn(directory, program);
                if (found != null)
                {
                    return found;
                }
            }
        }
        for (final String directory : List.of(alsoLookIn))
        {
            final String found = executableIn(directory, program);
            if (found != null)
            {
                return found;
            }
        }
        return null;
    }

    private static String executableIn(final String directory, final String program)
    {
        if (directory.isEmpty())
        {
            return null;
        }
        final Path candidate = Path.of(directory, program);
        return Files.isRegularFile(candidate) && Files.isExecutable(candidate) ? candidate.toString() : null;
    }
}
