package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameHeadTest
{
    private static final int[] BODY_LENGTHS = {0, 1, 7, 64, 100_003};
    private static final int[] SEQ_IDS = {0, 1, -1, 0x7654_3210, Integer.MIN_VALUE};

    @ParameterizedTest
    @EnumSource(FrameFormat.class)
    void shouldEncodeTheSameBytesAsFieldByFieldForAnySeqIdAndBody(final FrameFormat format)
    {
        final FrameHead head = FrameHead.of(frame(format, 0, 0));
        for (final int bodyLength : BODY_LENGTHS)
        {
            for (final int seqId : SEQ_IDS)
            {
                final byte[] expected = encode(frame(format, seqId, bodyLength));
                final RpcFrame attached = frame(format, seqId, bodyLength).head(head);
                assertSame(head, attached.head());
                assertArrayEquals(expected, encode(attached), format + " seq " + seqId + " body " + bodyLength);
            }
        }
    }

    @Test
    void shouldDetachWhenAnyEncodedFieldChanges()
    {
        assertDetachedBy(frame -> frame.method("other"));
        assertDetachedBy(frame -> frame.format(FrameFormat.FRAMED));
        assertDetachedBy(frame -> frame.messageType(ThriftMessageType.ONEWAY));
        assertDetachedBy(frame -> frame.header().flags(TTHeaderDescriptor.FLAG_OUT_OF_ORDER));
        assertDetachedBy(frame -> frame.header().putStringInfo("trace", "t-1"));
        assertDetachedBy(frame -> frame.header().putIntInfo(IntInfoKey.RPC_TIMEOUT, "50"));
        assertDetachedBy(frame -> frame.header().aclToken("secret"));
        assertDetachedBy(frame -> frame.header().info(InfoKeys.of(Map.of(), Map.of("k", "v"))));
        assertDetachedBy(frame -> frame.header().transformIds((byte)1));
        assertDetachedBy(RpcFrame::reset);
    }

    @Test
    void shouldStayAttachedWhenOnlySeqIdAndBodyChange()
    {
        final RpcFrame frame = frame(FrameFormat.TTHEADER_FRAMED, 1, 10);
        final FrameHead head = FrameHead.of(frame);
        final byte[] body = new byte[30];
        Arrays.fill(body, (byte)0x5A);
        frame.head(head).seqId(99).body(new UnsafeBuffer(body), 0, body.length);
        frame.header().seqId(5);
        assertSame(head, frame.head());
        assertArrayEquals(encode(frame(FrameFormat.TTHEADER_FRAMED, 99, 30)), encode(frame));
    }

    @Test
    void shouldRefuseABodyTheLengthFieldCannotHold()
    {
        final FrameHead head = FrameHead.of(frame(FrameFormat.TTHEADER, 0, 0));
        final int room = TTHeaderDescriptor.MAX_LENGTH - (head.length() - TTHeaderDescriptor.LENGTH_FIELD_LENGTH);
        assertTrue(head.fits(room));
        assertFalse(head.fits(room + 1));
    }

    private static void assertDetachedBy(final Consumer<RpcFrame> change)
    {
        final RpcFrame frame = frame(FrameFormat.TTHEADER_FRAMED, 3, 16);
        frame.head(FrameHead.of(frame));
        assertNotNull(frame.head());
        change.accept(frame);
        assertNull(frame.head());
    }

    /** A frame with a non-ASCII method, both kinds of info key and an ACL token, whose body bytes are all 0x5A. */
    private static RpcFrame frame(final FrameFormat format, final int seqId, final int bodyLength)
    {
        final byte[] body = new byte[bodyLength];
        Arrays.fill(body, (byte)0x5A);
        final RpcFrame frame = new RpcFrame().format(format).messageType(ThriftMessageType.CALL)
            .method("m\u00e9thode").seqId(seqId).body(new UnsafeBuffer(body), 0, bodyLength);
        frame.header().info(InfoKeys.of(Map.of(IntInfoKey.TO_SERVICE.id(), "svc"),
            Map.of("isn", "Echo"))).aclToken("token");
        return frame;
    }

    private static byte[] encode(final RpcFrame frame)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[RpcFrameCodec.encodedLength(frame) + 3]);
        final int length = RpcFrameCodec.encode(frame, dst, 3);
        assertEquals(dst.capacity() - 3, length);
        final byte[] bytes = new byte[length];
        dst.getBytes(3, bytes);
        return bytes;
    }
}
