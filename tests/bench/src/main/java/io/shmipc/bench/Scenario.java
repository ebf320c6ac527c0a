package io.shmipc.bench;

import java.util.Locale;

/**
 * What is measured.
 */
public enum Scenario
{
    /** One outstanding call; round-trip latency percentiles per payload size. */
    PINGPONG,
    /** Many streams pipelined; calls per second and payload megabytes per second. */
    THROUGHPUT,
    /** A connection open and idle; CPU used by both processes. */
    IDLE,
    /** Client to service A to service B; CPU per call over A and B, end-to-end latency. */
    CHAIN,
    /** App to the sidecar bridge (over shared memory or TCP) to a TCP server; latency, CPU per call of both. */
    SIDECAR;

    /**
     * @return the lower-case name used on the command line and in reports.
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param label a lower-case scenario name.
     * @return the scenario.
     * @throws IllegalArgumentException naming the valid choices when {@code label} is unknown.
     */
    public static Scenario fromLabel(final String label)
    {
        for (final Scenario scenario : values())
        {
            if (scenario.label().equals(label))
            {
                return scenario;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + label + "' (pingpong|throughput|idle|chain|sidecar)");
    }
}
