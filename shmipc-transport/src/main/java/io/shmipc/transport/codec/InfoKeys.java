package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable set of TTHeader info keys (integer keys sorted, string keys in insertion order) whose encoded info
 * blocks are computed once, on first use: a request sent many times, or a client's fixed keys, cost a copy of a few
 * bytes per frame instead of measuring and encoding every string each time. A {@link TTHeader} shares it until a key
 * is changed ({@link TTHeader#info(InfoKeys)}).
 */
public final class InfoKeys
{
    /** No keys at all. */
    public static final InfoKeys NONE = new InfoKeys(Map.of(), Map.of());

    private final Map<Integer, String> intInfo;
    private final Map<String, String> stringInfo;
    /** The encoded blocks; computed by whichever thread needs them first (they are the same bytes for all). */
    private volatile byte[] encoded;

    private InfoKeys(final Map<Integer, String> intInfo, final Map<String, String> stringInfo)
    {
        this.intInfo = intInfo;
        this.stringInfo = stringInfo;
    }

    /**
     * @param intInfo    integer keys (copied).
     * @param stringInfo string keys (copied, order kept).
     * @return the keys; {@link #NONE} when both maps are empty.
     * @throws IllegalArgumentException when a key or value does not fit the TTHeader format, or a value is null.
     */
    public static InfoKeys of(final Map<Integer, String> intInfo, final Map<String, String> stringInfo)
    {
        if (intInfo.isEmpty() && stringInfo.isEmpty())
        {
            return NONE;
        }
        final InfoKeys keys = new InfoKeys(
            Collections.unmodifiableMap(new TreeMap<>(intInfo)),
            Collections.unmodifiableMap(new LinkedHashMap<>(stringInfo)));
        // Checked now, where the caller made them, not when some frame is written later.
        keys.encoded();
        return keys;
    }

    /**
     * Keys a decoder has just filled, taken without copying (the decoder keeps no reference to the maps).
     *
     * @param intInfo    integer keys, sorted.
     * @param stringInfo string keys in the order they came.
     * @return the keys; {@link #NONE} when both maps are empty.
     */
    static InfoKeys decoded(final TreeMap<Integer, String> intInfo, final LinkedHashMap<String, String> stringInfo)
    {
        if (intInfo.isEmpty() && stringInfo.isEmpty())
        {
            return NONE;
        }
        return new InfoKeys(
            intInfo.isEmpty() ? Map.of() : Collections.unmodifiableMap(intInfo),
            stringInfo.isEmpty() ? Map.of() : Collections.unmodifiableMap(stringInfo));
    }

    /**
     * @return the integer keys, unmodifiable and sorted.
     */
    public Map<Integer, String> intInfo()
    {
        return intInfo;
    }

    /**
     * @return the string keys, unmodifiable, in insertion order.
     */
    public Map<String, String> stringInfo()
    {
        return stringInfo;
    }

    /**
     * @return whether there are no keys.
     */
    public boolean isEmpty()
    {
        return intInfo.isEmpty() && stringInfo.isEmpty();
    }

    /**
     * @return the integer and string info blocks as a TTHeader carries them; not to be modified.
     */
    byte[] encoded()
    {
        byte[] bytes = encoded;
        if (bytes == null)
        {
            bytes = new byte[TTHeaderCodec.infoBlocksLength(intInfo, stringInfo)];
            TTHeaderCodec.putInfoBlocks(intInfo, stringInfo, new UnsafeBuffer(bytes), 0);
            encoded = bytes;
        }
        return bytes;
    }

    @Override
    public String toString()
    {
        return "InfoKeys{intInfo=" + intInfo + ", stringInfo=" + stringInfo + '}';
    }
}
