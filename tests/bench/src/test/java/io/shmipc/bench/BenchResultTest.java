package io.shmipc.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchResultTest
{
    @Test
    void shouldSurviveAJsonRoundTripWithNullsForFieldsThatDoNotApply()
    {
        final BenchResult result = new BenchResult("tcp", "throughput", 4096, "spin",
            null, null, null, 123456.5, 505.7, null, null);

        final String json = result.toJson();

        assertTrue(json.contains("\"rtt_p50_us\":null"), json);
        assertEquals(result, BenchResult.fromJsonMap((Map<?, ?>)Json.parse(json)));
    }

    @Test
    void shouldReadTheResultLinesTheGoPeerPrints()
    {
        final String goLine = "{\"transport\":\"shmipc-go\",\"scenario\":\"pingpong\",\"size\":64," +
            "\"wait\":\"default\"," +
            "\"rtt_p50_us\":12.5,\"rtt_p99_us\":40,\"rtt_p999_us\":99.25,\"calls_per_s\":80000,\"mb_per_s\":null," +
            "\"cpu_pct\":null,\"cpu_us_per_call\":null}";

        final BenchResult result = BenchResult.fromJsonMap((Map<?, ?>)Json.parse(goLine));

        assertEquals(64, result.size());
        assertEquals(40.0, result.rttP99Micros());
        assertEquals(null, result.mbPerSecond());
    }

    @Test
    void shouldRejectAResultWithoutTransport()
    {
        assertThrows(IllegalArgumentException.class,
            () -> BenchResult.fromJsonMap((Map<?, ?>)Json.parse("{\"scenario\":\"idle\",\"size\":0}")));
    }
}
