package io.shmipc.transport;

import io.shmipc.transport.codec.FrameHead;
import io.shmipc.transport.codec.RpcFrame;

/**
 * The encoded heads of a server's plain replies (no info keys, no ACL token), by method: a server answers the same
 * few methods again and again, and a reply's head differs from the last one of its method only in seq id and body
 * length. A small table indexed by the method's hash, shared by every serving thread: heads are immutable and
 * replaced whole, so a race only costs a head encoded once more.
 */
final class ReplyHeads
{
    private static final int SLOTS = 64;
    private static final int MASK = SLOTS - 1;

    private final FrameHead[] table = new FrameHead[SLOTS];

    /**
     * @param reply a plain reply frame, all fields but seq id and body set.
     * @return the head for it, encoded now or earlier, or {@code null} when it does not fit the format.
     */
    FrameHead headFor(final RpcFrame reply)
    {
        final int slot = (reply.method().hashCode() ^ reply.header().flags()) & MASK;
        final FrameHead known = table[slot];
        if (known != null &&
            known.matches(reply.format(), reply.messageType(), reply.method(), reply.header().flags()))
        {
            return known;
        }
        try
        {
            final FrameHead made = FrameHead.of(reply);
            table[slot] = made;
            return made;
        }
        catch (final IllegalArgumentException ex)
        {
            // Too large for the format: encoding the frame says so.
            return null;
        }
    }
}
