package io.shmipc.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured point: a transport, a scenario, a payload size and a wait mode, with the numbers that apply to the
 * scenario and {@code null} for the others. Serialises to and from the JSON result object of {@code --json}.
 *
 * @param transport      transport name.
 * @param scenario       scenario label.
 * @param size           payload size in bytes (request and response each).
 * @param waitMode       wait mode label as requested.
 * @param rttP50Micros   round-trip median, microseconds.
 * @param rttP99Micros   round-trip 99th percentile, microseconds.
 * @param rttP999Micros  round-trip 99.9th percentile, microseconds.
 * @param callsPerSecond completed calls per second.
 * @param mbPerSecond    request payload megabytes (10^6 bytes) per second.
 * @param cpuPercent     CPU of client and server together, percent of one core.
 * @param cpuMicrosPerCall CPU microseconds per call over the serving processes.
 */
public record BenchResult(
    String transport,
    String scenario,
    int size,
    String waitMode,
    Double rttP50Micros,
    Double rttP99Micros,
    Double rttP999Micros,
    Double callsPerSecond,
    Double mbPerSecond,
    Double cpuPercent,
    Double cpuMicrosPerCall)
{
    /**
     * @return the JSON object's fields, in the documented order.
     */
    public Map<String, Object> toJsonMap()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("transport", transport);
        map.put("scenario", scenario);
        map.put("size", size);
        map.put("wait", waitMode);
        map.put("rtt_p50_us", rttP50Micros);
        map.put("rtt_p99_us", rttP99Micros);
        map.put("rtt_p999_us", rttP999Micros);
        map.put("calls_per_s", callsPerSecond);
        map.put("mb_per_s", mbPerSecond);
        map.put("cpu_pct", cpuPercent);
        map.put("cpu_us_per_call", cpuMicrosPerCall);
        return map;
    }

    /**
     * @return this result as one line of JSON.
     */
    public String toJson()
    {
        final StringBuilder out = new StringBuilder();
        Json.write(out, toJsonMap());
        return out.toString();
    }

    /**
     * @param map a JSON object as parsed by {@link Json#parse}.
     * @return the result it describes.
     * @throws IllegalArgumentException when a required field is missing or has the wrong type.
     */
    public static BenchResult fromJsonMap(final Map<?, ?> map)
    {
        return new BenchResult(
            requiredString(map, "transport"),
            requiredString(map, "scenario"),
            (int)Math.round(requiredNumber(map, "size")),
            map.get("wait") == null ? WaitMode.DEFAULT.label() : map.get("wait").toString(),
            optionalNumber(map, "rtt_p50_us"),
            optionalNumber(map, "rtt_p99_us"),
            optionalNumber(map, "rtt_p999_us"),
            optionalNumber(map, "calls_per_s"),
            optionalNumber(map, "mb_per_s"),
            optionalNumber(map, "cpu_pct"),
            optionalNumber(map, "cpu_us_per_call"));
    }

    private static String requiredString(final Map<?, ?> map, final String key)
    {
        if (!(map.get(key) instanceof String s))
        {
            throw new IllegalArgumentException("result has no string field '" + key + "': " + map);
        }
        return s;
    }

    private static double requiredNumber(final Map<?, ?> map, final String key)
    {
        final Double d = optionalNumber(map, key);
        if (d == null)
        {
            throw new IllegalArgumentException("result has no number field '" + key + "': " + map);
        }
        return d;
    }

    private static Double optionalNumber(final Map<?, ?> map, final String key)
    {
        final Object value = map.get(key);
        if (value == null)
        {
            return null;
        }
        if (value instanceof Number n)
        {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("result field '" + key + "' is not a number: " + value);
    }
}
