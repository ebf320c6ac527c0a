package io.shmipc.transport.thrift;

import io.shmipc.core.SessionConfig;
import io.shmipc.transport.EnvironmentSuite;
import io.shmipc.transport.config.SettingSource;
import io.shmipc.transport.config.ShmSetting;
import io.shmipc.transport.config.ShmSettings;

/**
 * The session configuration the Thrift transports use when none is given: this process's {@code SHMIPC_*} settings,
 * except that an unset {@code SHMIPC_SPIN} takes shmipc-core's long default rather than the RPC transport's short
 * one. A Thrift client and a server worker each read their stream on their own thread with nothing else to run, so
 * spinning costs nothing there and saves the wake-ups (measured: 4x faster than TCP with the long spin, slower than
 * TCP with the short one).
 */
final class ThriftSessionConfig
{
    private ThriftSessionConfig()
    {
    }

    static SessionConfig fromEnvironment()
    {
        final ShmSettings settings = EnvironmentSuite.fromSystem().resolve(ShmSettings.builder());
        final SessionConfig.Builder builder = settings.sessionConfig();
        if (settings.source(ShmSetting.SPIN) == SettingSource.DEFAULT)
        {
            builder.spinIterations(SessionConfig.defaults().spinIterations());
        }
        return builder.build();
    }
}
