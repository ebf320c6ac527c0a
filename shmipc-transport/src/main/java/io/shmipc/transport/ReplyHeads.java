package io.shmipc.transport;

import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.FrameHead;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.ThriftMessageType;

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
     * @return the head of a plain reply with these fields, encoded now or earlier, or {@code null} when it does not
     * fit the format.
     */
    FrameHead headFor(final FrameFormat format, final ThriftMessageType type, final String method, final int flags)
    {
        final int slot = (method.hashCode() ^ flags) & MASK;
        final FrameHead known = table[slot];
        if (known != null && known.matches(format, type, method, flags))
        {
            return known;
        }
        final RpcFrame reply = new RpcFrame().format(format).messageType(type).method(method);
        reply.header().flags(flags);
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
