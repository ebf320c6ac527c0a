package io.shmipc.transport.config;

import java.util.Locale;

/**
 * How the shared-memory regions are created.
 */
public enum MemoryType
{
    /** An anonymous memfd passed over the control socket; nothing to clean up after a crash. */
    MEMFD,
    /** A file under /dev/shm, named so that leftovers of dead processes can be found. */
    FILE;

    /**
     * @param text {@code memfd} / {@code file}, or Kitex's numeric {@code 1} / {@code 0}.
     * @return the type.
     * @throws IllegalArgumentException for anything else.
     */
    public static MemoryType parse(final String text)
    {
        switch (text.trim().toLowerCase(Locale.ROOT))
        {
            case "memfd":
            case "1":
                return MEMFD;
            case "file":
            case "0":
                return FILE;
            default:
                throw new IllegalArgumentException("'" + text + "' is not a memory type (memfd or file)");
        }
    }
}
