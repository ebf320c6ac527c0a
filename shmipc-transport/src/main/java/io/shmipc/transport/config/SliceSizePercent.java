package io.shmipc.transport.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One size class of the shared-memory buffer region: slices of {@code size} bytes taking {@code percent} of it.
 *
 * @param size    slice size in bytes.
 * @param percent share of the region, 1 to 100.
 */
public record SliceSizePercent(int size, int percent)
{
    private static final int HUNDRED = 100;

    /**
     * @throws IllegalArgumentException when size or percent is out of range.
     */
    public SliceSizePercent
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("slice size must be positive, got " + size);
        }
        if (percent <= 0 || percent > HUNDRED)
        {
            throw new IllegalArgumentException("slice percent must be 1..100, got " + percent);
        }
    }

    /**
     * @param text {@code size:percent} pairs separated by commas, e.g. {@code 8192:50,32768:30,131072:20}.
     * @return the size classes, in the given order.
     * @throws IllegalArgumentException when a pair is malformed or the percents do not add up to 100.
     */
    public static List<SliceSizePercent> parseList(final String text)
    {
        final List<SliceSizePercent> result = new ArrayList<>();
        for (final String pair : text.split(","))
        {
            final String[] parts = pair.trim().split(":");
            if (parts.length != 2)
            {
                throw new IllegalArgumentException("'" + pair.trim() + "' is not size:percent");
            }
            try
            {
                result.add(new SliceSizePercent(
                    Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("'" + pair.trim() + "' is not size:percent with integers");
            }
        }
        return checked(result);
    }

    /**
     * @param classes size classes.
     * @return an unmodifiable copy.
     * @throws IllegalArgumentException when the list is empty or the percents do not add up to 100.
     */
    public static List<SliceSizePercent> checked(final List<SliceSizePercent> classes)
    {
        int total = 0;
        for (final SliceSizePercent c : classes)
        {
            total += c.percent();
        }
        if (classes.isEmpty() || total != HUNDRED)
        {
            throw new IllegalArgumentException("slice size percents must add up to 100, got " + total);
        }
        return List.copyOf(classes);
    }

    @Override
    public String toString()
    {
        return size + ":" + percent;
    }
}
