package io.shmipc.transport.config;

/**
 * Where a setting's value came from, highest precedence first.
 */
public enum SettingSource
{
    /** Set in code through a builder. */
    CODE,
    /** A {@code shmipc.*} system property. */
    SYSTEM_PROPERTY,
    /** A {@code SHMIPC_*} environment variable. */
    ENVIRONMENT,
    /** The built-in default. */
    DEFAULT
}
