package io.shmipc.transport;

/**
 * A named bundle of options applied to a client or server builder, the way a Kitex {@code Suite} is. Apply one with
 * {@code builder.suite(suite)}; options set in code afterwards or before still win where the suite only supplies
 * lower-precedence layers (see {@link EnvironmentSuite}).
 */
public interface Suite
{
    /**
     * @return a short name for logs and {@code toString()}.
     */
    String name();

    /**
     * Apply this suite's client options.
     *
     * @param builder the client builder.
     */
    default void apply(final ClientOptions.Builder builder)
    {
    }

    /**
     * Apply this suite's server options.
     *
     * @param builder the server builder.
     */
    default void apply(final ServerOptions.Builder builder)
    {
    }
}
