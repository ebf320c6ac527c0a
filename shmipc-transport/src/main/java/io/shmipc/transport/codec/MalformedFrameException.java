package io.shmipc.transport.codec;

/**
 * A frame read from a peer breaks the TTHeader or Thrift framing rules. The {@link #reason()} names the rule and
 * the message says where and what was found; a transport that sees this closes the connection it came from.
 */
public final class MalformedFrameException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * The rule a malformed frame broke.
     */
    public enum Reason
    {
        /** Fewer bytes than the frame's own length field (or the fixed header) promises. */
        TRUNCATED_FRAME,
        /** The length field exceeds the configured maximum frame size or the format's own limit. */
        FRAME_TOO_LARGE,
        /** The first eight bytes match no frame kind, or a TTHeader's magic is not 0x1000. */
        BAD_MAGIC,
        /** The TTHeader header size points past the end of the frame. */
        HEADER_SIZE_BEYOND_FRAME,
        /** The TTHeader header area is too short for its protocol id or transform list. */
        TRUNCATED_HEADER,
        /** An info block runs past the end of the header area. */
        TRUNCATED_INFO,
        /** An info block starts with an id that is not 0x00, 0x01, 0x10 or 0x11. */
        UNKNOWN_INFO_ID,
        /** A padding byte after the info blocks is not zero. */
        BAD_PADDING,
        /** The frame kind is recognised but not served here (unframed Thrift, Kitex protobuf, mesh header). */
        UNSUPPORTED_FRAME_KIND,
        /** The TTHeader protocol id is not Thrift binary. */
        UNSUPPORTED_PROTOCOL,
        /** The TTHeader lists transforms (compression and the like) that this codec does not apply. */
        UNSUPPORTED_TRANSFORM,
        /** The payload is not a strict Thrift binary message. */
        BAD_THRIFT_MESSAGE,
        /** A framed Thrift length disagrees with the bytes the enclosing frame holds. */
        FRAME_LENGTH_MISMATCH
    }

    private final Reason reason;

    /**
     * @param reason the rule that was broken.
     * @param detail what was found and where.
     */
    public MalformedFrameException(final Reason reason, final String detail)
    {
        super("malformed frame (" + reason + "): " + detail);
        this.reason = reason;
    }

    /**
     * @return the rule that was broken.
     */
    public Reason reason()
    {
        return reason;
    }
}
