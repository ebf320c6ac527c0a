package io.shmipc.bench.report;

import io.shmipc.bench.BenchResult;
import io.shmipc.bench.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code {"machine": {...}, "results": [...]}}: the machine facts and one object per result, with
 * {@code null} for numbers that do not apply to a scenario.
 */
public final class JsonReport
{
    private JsonReport()
    {
    }

    /**
     * @param machine machine facts.
     * @param results every result.
     * @param file    where to write.
     * @throws IOException when the file cannot be written.
     */
    public static void write(final Map<String, Object> machine, final List<BenchResult> results, final Path file)
        throws IOException
    {
        final List<Object> resultMaps = new ArrayList<>();
        for (final BenchResult result : results)
        {
            resultMaps.add(result.toJsonMap());
        }
        final Map<String, Object> document = new LinkedHashMap<>();
        document.put("machine", machine);
        document.put("results", resultMaps);
        final StringBuilder text = new StringBuilder();
        Json.write(text, document);
        text.append('\n');
        final Path absolute = file.toAbsolutePath();
        if (absolute.getParent() != null)
        {
            Files.createDirectories(absolute.getParent());
        }
        Files.writeString(absolute, text, StandardCharsets.UTF_8);
    }
}
