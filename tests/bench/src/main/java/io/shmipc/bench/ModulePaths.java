package io.shmipc.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the bench module lives on disk, found from the location of its compiled classes
 * ({@code tests/bench/target/classes} or a jar in {@code tests/bench/target}).
 */
public final class ModulePaths
{
    private ModulePaths()
    {
    }

    /**
     * @return the module directory ({@code tests/bench}), or null when the classes are not in a Maven layout.
     */
    public static Path moduleDirectory()
    {
        try
        {
            final Path classes = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            final Path target = classes.getParent();
            if (target == null || target.getParent() == null || !target.getFileName().toString().equals("target"))
            {
                return null;
            }
            final Path module = target.getParent();
            return Files.isRegularFile(module.resolve("pom.xml")) ? module : null;
        }
        catch (final URISyntaxException | SecurityException | NullPointerException e)
        {
            return null;
        }
    }
}
