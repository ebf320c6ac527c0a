package io.shmipc.bench.report;

import io.shmipc.bench.BenchResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws round-trip p50 against payload size for every transport's pingpong results, log-log, as a PNG.
 */
public final class LatencyChart
{
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 650;
    private static final float TITLE_FONT_SIZE = 14f;
    private static final int MARKER_SIZE = 7;
    /** Distinct colours, so no two transports look alike (XChart's defaults repeat similar hues). */
    private static final Color[] SERIES_COLORS = {
        new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C), new Color(0x9467BD),
        new Color(0xFF7F0E), new Color(0x8C564B), new Color(0xE377C2), new Color(0x17BECF), new Color(0x7F7F7F)};

    private LatencyChart()
    {
    }

    /**
     * @param results  every result of the run; only pingpong results with a p50 are drawn.
     * @param subtitle a line about the run, e.g. the machine and pinning.
     * @param file     the PNG to write.
     * @throws IOException when the file cannot be written.
     * @throws IllegalStateException when there is no pingpong result to draw.
     */
    public static void write(final List<BenchResult> results, final String subtitle, final Path file)
        throws IOException
    {
        final Map<String, List<BenchResult>> byTransport = new LinkedHashMap<>();
        for (final BenchResult result : results)
        {
            if ("pingpong".equals(result.scenario()) && result.rttP50Micros() != null && result.rttP50Micros() > 0)
            {
                byTransport.computeIfAbsent(result.transport(), name -> new ArrayList<>()).add(result);
            }
        }
        if (byTransport.isEmpty())
        {
            throw new IllegalStateException("no pingpong results to chart (run the pingpong scenario)");
        }
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Round-trip latency p50 by payload size (pingpong) — " + subtitle)
            .xAxisTitle("payload size (bytes, log scale)")
            .yAxisTitle("round-trip p50 (µs, log scale)")
            .build();
        final XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setXAxisLogarithmic(true);
        styler.setYAxisLogarithmic(true);
        styler.setXAxisDecimalPattern("#,###");
        styler.setYAxisDecimalPattern("#,##0.##");
        styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(TITLE_FONT_SIZE));
        styler.setMarkerSize(MARKER_SIZE);
        int seriesIndex = 0;
        for (final Map.Entry<String, List<BenchResult>> entry : byTransport.entrySet())
        {
            final List<BenchResult> points = new ArrayList<>(entry.getValue());
            points.sort((a, b) -> Integer.compare(a.size(), b.size()));
            final double[] sizes = new double[points.size()];
            final double[] p50 = new double[points.size()];
            for (int i = 0; i < points.size(); i++)
            {
                sizes[i] = points.get(i).size();
                p50[i] = points.get(i).rttP50Micros();
            }
            final XYSeries series = chart.addSeries(entry.getKey(), sizes, p50);
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setLineColor(SERIES_COLORS[seriesIndex % SERIES_COLORS.length]);
            series.setMarkerColor(SERIES_COLORS[seriesIndex % SERIES_COLORS.length]);
            seriesIndex++;
        }
        final Path absolute = file.toAbsolutePath();
        if (absolute.getParent() != null)
        {
            Files.createDirectories(absolute.getParent());
        }
        BitmapEncoder.saveBitmap(chart, absolute.toString(), BitmapEncoder.BitmapFormat.PNG);
        final String name = absolute.getFileName().toString();
        if (!name.toLowerCase(Locale.ROOT).endsWith(".png"))
        {
            // BitmapEncoder appends ".png" to names without it; keep the name the user asked for.
            Files.move(absolute.resolveSibling(name + ".png"), absolute,
                StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
