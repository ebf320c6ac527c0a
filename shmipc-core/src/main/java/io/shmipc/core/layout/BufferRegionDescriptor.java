package io.shmipc.core.layout;

/**
 * Layout of the buffer region: an 8-byte header, then one list per slice size class in ascending size order.
 * Native-endian.
 *
 * <pre>
 * region header (8 bytes)
 *   0              2              4                              8
 *   +--------------+--------------+------------------------------+
 *   | list count   | capabilities | bytes used by all lists      |
 *   | (u16)        | (u16)        | (u32)                        |
 *   +--------------+--------------+------------------------------+
 * </pre>
 *
 * The reference writes the u16 at offset 2 as zero and never reads it; shmipc-java uses it to advertise optional
 * capabilities (see {@link #CAPABILITY_CLIENT_FUTEX_WAKE}) and documents that in docs/PROTOCOL.md.
 */
public final class BufferRegionDescriptor {
    public static final int LIST_COUNT_OFFSET = 0;
    public static final int CAPABILITIES_OFFSET = 2;
    public static final int USED_LENGTH_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;

    /** Set by a shmipc-java client: its receive loop parks on a futex on the ring's working flag and may be woken by FUTEX_WAKE. */
    public static final int CAPABILITY_CLIENT_FUTEX_WAKE = 1;
    /** Set by a shmipc-java server after mapping the region: the same, for the server's receive loop. */
    public static final int CAPABILITY_SERVER_FUTEX_WAKE = 1 << 1;
    /**
     * Set by a shmipc-java client: it reads a queue element (or FallbackData event) with status 2 as "the peer shut
     * its output on this stream" rather than as data, as the reference does (docs/PROTOCOL.md section 9).
     */
    public static final int CAPABILITY_CLIENT_HALF_CLOSE = 1 << 2;
    /** Set by a shmipc-java server before it acknowledges the regions: the same, for the server. */
    public static final int CAPABILITY_SERVER_HALF_CLOSE = 1 << 3;
    /**
     * Set by a shmipc-java server before it acknowledges the regions: it reads free-list heads in the tagged form as
     * well (docs/PROTOCOL.md section 8), so the client switches the heads to it. The reference never sets it, so a
     * region shared with a reference peer keeps plain heads.
     */
    public static final int CAPABILITY_SERVER_TAGGED_HEADS = 1 << 4;
    /**
     * Set by a shmipc-java client over memfd: two message rings follow the lists (docs/PROTOCOL.md section 12,
     * {@link MessageRingDescriptor}), and it reads its ring once the server sets {@link #CAPABILITY_SERVER_MESSAGE_RINGS}.
     */
    public static final int CAPABILITY_CLIENT_MESSAGE_RINGS = 1 << 5;
    /**
     * Set by a shmipc-java server before it acknowledges the regions: from the first message on, both sides send
     * through the message rings and read nothing from the queue region's rings (whose working flags stay in use).
     */
    public static final int CAPABILITY_SERVER_MESSAGE_RINGS = 1 << 6;

    /** At most this many size classes are accepted from a peer. */
    public static final int MAX_LISTS = 64;

    private BufferRegionDescriptor() {
    }
}
