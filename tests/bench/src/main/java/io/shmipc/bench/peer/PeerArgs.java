package io.shmipc.bench.peer;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code --key value} arguments the harness passes to a forked peer. Peers are started only by the harness,
 * so unknown keys are errors rather than warnings.
 */
final class PeerArgs
{
    private final Map<String, String> values = new HashMap<>();

    private PeerArgs()
    {
    }

    static PeerArgs parse(final String[] args, final int from)
    {
        final PeerArgs parsed = new PeerArgs();
        for (int i = from; i < args.length; i += 2)
        {
            if (!args[i].startsWith("--") || i + 1 >= args.length)
            {
                throw new IllegalArgumentException("peer arguments must be --key value pairs, got '" + args[i] + "'");
            }
            parsed.values.put(args[i].substring(2), args[i + 1]);
        }
        return parsed;
    }

    String string(final String key)
    {
        final String value = values.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("peer argument --" + key + " is missing");
        }
        return value;
    }

    String string(final String key, final String fallback)
    {
        return values.getOrDefault(key, fallback);
    }

    long number(final String key, final long fallback)
    {
        final String value = values.get(key);
        return value == null ? fallback : Long.parseLong(value);
    }

    int[] ints(final String key)
    {
        final String value = string(key);
        if (value.isEmpty())
        {
            return new int[0];
        }
        final String[] parts = value.split(",");
        final int[] result = new int[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            result[i] = Integer.parseInt(parts[i].trim());
        }
        return result;
    }

    long[] longs(final String key)
    {
        final String value = values.get(key);
        if (value == null || value.isEmpty())
        {
            return new long[0];
        }
        final String[] parts = value.split(",");
        final long[] result = new long[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            result[i] = Long.parseLong(parts[i].trim());
        }
        return result;
    }
}
