package io.shmipc.bench.report;

import java.util.Locale;

/**
 * Number formatting shared by the Markdown report and the chart.
 */
public final class Format
{
    /** Shown where a number is not available. */
    public static final String NONE = "n/a";

    private static final int KIB = 1024;

    private Format()
    {
    }

    /**
     * @param bytes a payload size.
     * @return e.g. {@code "64 B"}, {@code "4 KiB"}, {@code "1 MiB"}.
     */
    public static String size(final int bytes)
    {
        if (bytes >= KIB * KIB && bytes % (KIB * KIB) == 0)
        {
            return bytes / (KIB * KIB) + " MiB";
        }
        if (bytes >= KIB && bytes % KIB == 0)
        {
            return bytes / KIB + " KiB";
        }
        return bytes + " B";
    }

    /**
     * @param value a duration in microseconds, or null.
     * @return three significant digits or so.
     */
    public static String micros(final Double value)
    {
        if (value == null)
        {
            return NONE;
        }
        if (value < 10)
        {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        if (value < 100)
        {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /**
     * @param value a rate, or null.
     * @return e.g. {@code "1.23 M"}, {@code "45.6 k"}.
     */
    public static String rate(final Double value)
    {
        if (value == null)
        {
            return NONE;
        }
        if (value >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2f M", value / 1e6);
        }
        if (value >= 1e3)
        {
            return String.format(Locale.ROOT, "%.1f k", value / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", value);
    }

    /**
     * @param value a plain number, or null.
     * @param decimals digits after the point.
     * @return the number.
     */
    public static String number(final Double value, final int decimals)
    {
        return value == null ? NONE : String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    /**
     * @param numerator   shm's value, or null.
     * @param denominator the peer's value, or null.
     * @return e.g. {@code "0.42×"}, or {@link #NONE} when either is missing or the peer's is zero.
     */
    public static String ratio(final Double numerator, final Double denominator)
    {
        if (numerator == null || denominator == null || denominator == 0)
        {
            return NONE;
        }
        return String.format(Locale.ROOT, "%.2f×", numerator / denominator);
    }
}
