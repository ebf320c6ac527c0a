package io.shmipc.core.layout;

/**
 * Layout of a control-connection event header. Big-endian, unlike everything in shared memory.
 *
 * <pre>
 *   0                          4               6          7          8
 *   +--------------------------+---------------+----------+----------+------ body
 *   | total length, header     | magic 0x7758  | version  | type     |
 *   | included (u32)           | (u16)         | (u8)     | (u8)     |
 *   +--------------------------+---------------+----------+----------+------
 * </pre>
 */
public final class EventHeaderDescriptor {
    public static final int LENGTH_OFFSET = 0;
    public static final int MAGIC_OFFSET = 4;
    public static final int VERSION_OFFSET = 6;
    public static final int TYPE_OFFSET = 7;
    public static final int HEADER_LENGTH = 8;

    public static final short MAGIC = 0x7758;

    /** Version used by file-path handshakes (and by a reference Go peer by default). */
    public static final int VERSION_FILE = 2;
    /** Highest version we speak: memfd handshake with SCM_RIGHTS. */
    public static final int VERSION_MEMFD = 3;

    private EventHeaderDescriptor() {
    }
}
