package io.shmipc.core.buffer;

/**
 * One slice size class of a buffer region: the data capacity of each slice and the share of the region it gets.
 *
 * @param dataCapacity bytes of data per slice (the 20-byte header comes on top)
 * @param percent      share of the region, 1..100; the shares of all classes add up to at most 100
 */
public record SliceClass(int dataCapacity, int percent) {
    /** Reference defaults: 8 KiB, 32 KiB and 128 KiB slices including their headers, 50/30/20 %. */
    public static final SliceClass[] DEFAULTS = {
        new SliceClass(8172, 50), new SliceClass(32748, 30), new SliceClass(131052, 20)};

    public SliceClass {
        if (dataCapacity <= 0 || percent <= 0 || percent > 100) {
            throw new IllegalArgumentException("slice class needs a positive size and a percent in 1..100, got "
                + dataCapacity + " B / " + percent + " %");
        }
    }

    /** Parses the SHMIPC_SLICE_SIZE_PERCENTS form {@code "8172:50,32748:30,131052:20"}. */
    public static SliceClass[] parse(final String text) {
        final String[] parts = text.split(",");
        final SliceClass[] classes = new SliceClass[parts.length];
        for (int i = 0; i < parts.length; i++) {
            final String[] pair = parts[i].trim().split(":");
            if (pair.length != 2) {
                throw new IllegalArgumentException("slice classes are 'size:percent,...', got '" + text + "'");
            }
            classes[i] = new SliceClass(Integer.parseInt(pair[0].trim()), Integer.parseInt(pair[1].trim()));
        }
        return classes;
    }
}
