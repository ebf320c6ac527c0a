package io.shmipc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds command lines for forked peer JVMs. The {@code ./shmipc} launcher exports {@code SHMIPC_JAVA},
 * {@code SHMIPC_JVM_FLAGS} (space-separated) and {@code SHMIPC_CLASSPATH}; without them (tests, IDEs) this JVM's
 * own java, the project's standard flags and {@code java.class.path} are used.
 *
 * @param java      the java executable.
 * @param flags     JVM flags every peer gets.
 * @param classpath the peers' classpath.
 */
public record JvmLauncher(String java, List<String> flags, String classpath)
{
    /** Flags every shmipc JVM needs (Agrona 2.x, JNA). */
    public static final List<String> STANDARD_FLAGS = List.of(
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED");
    /** The Aeron media driver reflects into NIO internals. */
    private static final List<String> PEER_EXTRA_FLAGS = List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");
    private static final int FIRST_UNSAFE_FLAG_RELEASE = 23;

    /**
     * @return the launcher from the environment, falling back to this JVM's settings.
     */
    public static JvmLauncher fromEnvironment()
    {
        final String java = envOr("SHMIPC_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final String flagText = System.getenv("SHMIPC_JVM_FLAGS");
        final List<String> flags = new ArrayList<>();
        if (flagText != null && !flagText.isBlank())
        {
            flags.addAll(Arrays.asList(flagText.trim().split("\\s+")));
        }
        else
        {
            flags.addAll(STANDARD_FLAGS);
            if (Runtime.version().feature() >= FIRST_UNSAFE_FLAG_RELEASE)
            {
                flags.add("--sun-misc-unsafe-memory-access=allow");
            }
        }
        return new JvmLauncher(java, flags, envOr("SHMIPC_CLASSPATH", defaultClasspath()));
    }

    private static String defaultClasspath()
    {
        // Surefire may run tests from a manifest-only jar; it publishes the real test classpath here.
        final String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private static String envOr(final String name, final String fallback)
    {
        final String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /**
     * @param prefix    a command prefix such as {@code taskset -c 1}, maybe empty.
     * @param mainClass the main class to run.
     * @param args      its arguments.
     * @return the full command line.
     */
    public List<String> command(final List<String> prefix, final String mainClass, final List<String> args)
    {
        final List<String> command = new ArrayList<>(prefix);
        command.add(java);
        command.addAll(flags);
        command.addAll(PEER_EXTRA_FLAGS);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

}
