package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.shmipc.transport.codec.Bytes.buffer;
import static io.shmipc.transport.codec.Bytes.copy;
import static io.shmipc.transport.codec.Bytes.hex;
import static io.shmipc.transport.codec.MalformedFrameException.Reason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RpcFrameCodecTest
{
    private static final int MAX = 1 << 20;

    /**
     * TTHeaderFramed CALL 'ping' seq 7 with body 00 (an empty struct's STOP). Minimal header (18 bytes), u32 frame
     * length 17, message: version|CALL, name length 4, "ping", seq 7, body. LENGTH = 18 + 4 + 17 - 4 = 35.
     */
    private static final String TTHEADER_FRAMED_PING =
        "00000023 1000 0000 00000007 0001 00 00 0000 |" +
        "00000011 | 80010001 00000004 70696e67 00000007 | 00";

    /** The same call as plain framed Thrift: u32 17, then the message. */
    private static final String FRAMED_PING = "00000011 | 80010001 00000004 70696e67 00000007 | 00";

    /** The same call in TTHeader with an unframed payload. LENGTH = 18 + 17 - 4 = 31. */
    private static final String TTHEADER_PING =
        "0000001f 1000 0000 00000007 0001 00 00 0000 | 80010001 00000004 70696e67 00000007 | 00";

    @Test
    void shouldEncodeTTHeaderFramedCallToGoldenBytes()
    {
        assertArrayEquals(hex(TTHEADER_FRAMED_PING), encode(ping(FrameFormat.TTHEADER_FRAMED)));
    }

    @Test
    void shouldEncodeFramedCallToGoldenBytes()
    {
        assertArrayEquals(hex(FRAMED_PING), encode(ping(FrameFormat.FRAMED)));
    }

    @Test
    void shouldEncodeUnframedTTHeaderCallToGoldenBytes()
    {
        assertArrayEquals(hex(TTHEADER_PING), encode(ping(FrameFormat.TTHEADER)));
    }

    @Test
    void shouldDetectFramedPayloadInsideTTHeader()
    {
        final RpcFrame frame = decode(TTHEADER_FRAMED_PING);
        assertEquals(FrameFormat.TTHEADER_FRAMED, frame.format());
        assertPing(frame, 18 + 4 + 16);
    }

    @Test
    void shouldDetectUnframedPayloadInsideTTHeader()
    {
        final RpcFrame frame = decode(TTHEADER_PING);
        assertEquals(FrameFormat.TTHEADER, frame.format());
        assertPing(frame, 18 + 16);
    }

    @Test
    void shouldDecodeFramedThrift()
    {
        final RpcFrame frame = decode(FRAMED_PING);
        assertEquals(FrameFormat.FRAMED, frame.format());
        assertPing(frame, 4 + 16);
    }

    @Test
    void shouldRecogniseFrameKindsFromFirstEightBytes()
    {
        assertEquals(FrameKind.TTHEADER, FrameKind.detect(buffer(TTHEADER_PING), 0));
        assertEquals(FrameKind.FRAMED_THRIFT, FrameKind.detect(buffer(FRAMED_PING), 0));
        assertEquals(FrameKind.UNFRAMED_THRIFT, FrameKind.detect(buffer("80010001 00000004"), 0));
        assertEquals(FrameKind.KITEX_PROTOBUF, FrameKind.detect(buffer("90010000 00000000"), 0));
        assertEquals(FrameKind.MESH_HEADER, FrameKind.detect(buffer("ffaf0000 00000000"), 0));
        assertEquals(FrameKind.UNKNOWN, FrameKind.detect(buffer("47455420 2f20485454"), 0));
    }

    @Test
    void shouldRoundTripWithInfoKeysAndLargeBodyInEveryFormat()
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[100_003]);
        for (int i = 0; i < body.capacity(); i++)
        {
            body.putByte(i, (byte)(i * 31));
        }
        for (final FrameFormat format : FrameFormat.values())
        {
            final RpcFrame frame = new RpcFrame().format(format).messageType(ThriftMessageType.REPLY)
                .method("m\u00e9thode").seqId(123456).body(body, 0, body.capacity());
            frame.header().putStringInfo("isn", "Echo").putIntInfo(IntInfoKey.RPC_TIMEOUT, "1000");
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[RpcFrameCodec.encodedLength(frame) + 5]);
            final int length = RpcFrameCodec.encode(frame, dst, 5);

            final RpcFrame decoded = new RpcFrame();
            assertEquals(length, RpcFrameCodec.decode(dst, 5, length, MAX, decoded));
            assertEquals(format, decoded.format());
            assertEquals(ThriftMessageType.REPLY, decoded.messageType());
            assertEquals("m\u00e9thode", decoded.method());
            assertEquals(123456, decoded.seqId());
            assertSame(dst, decoded.body());
            assertArrayEquals(body.byteArray(), copy(dst, decoded.bodyOffset(), decoded.bodyLength()));
            if (format != FrameFormat.FRAMED)
            {
                assertEquals("Echo", decoded.header().stringInfo().get("isn"));
                assertEquals("1000", decoded.header().intInfo(IntInfoKey.RPC_TIMEOUT));
            }
        }
    }

    @Test
    void shouldRejectUnframedThriftOnAStream()
    {
        assertReason(Reason.UNSUPPORTED_FRAME_KIND, "80010001 00000004 70696e67 00000007 00");
    }

    @Test
    void shouldRejectUnknownFirstBytesAsBadMagic()
    {
        assertReason(Reason.BAD_MAGIC, "47455420 2f204854 54502f31 2e310d0a");
    }

    @Test
    void shouldRejectFramedLengthThatDisagreesWithTTHeader()
    {
        final UnsafeBuffer src = buffer(TTHEADER_FRAMED_PING);
        src.putInt(18, 16, java.nio.ByteOrder.BIG_ENDIAN);
        assertReason(Reason.FRAME_LENGTH_MISMATCH, src);
    }

    @Test
    void shouldRejectPayloadThatIsNotThriftBinary()
    {
        final UnsafeBuffer src = buffer(TTHEADER_PING);
        src.putInt(18, 0x12345678, java.nio.ByteOrder.BIG_ENDIAN);
        assertReason(Reason.BAD_THRIFT_MESSAGE, src);
    }

    @Test
    void shouldRejectMethodNameLongerThanMessage()
    {
        final UnsafeBuffer src = buffer(FRAMED_PING);
        src.putInt(8, 1000, java.nio.ByteOrder.BIG_ENDIAN);
        assertReason(Reason.BAD_THRIFT_MESSAGE, src);
    }

    @Test
    void shouldRejectNonBinaryProtocolAndTransforms()
    {
        final UnsafeBuffer compact = buffer(TTHEADER_PING);
        compact.putByte(14, (byte)TTHeaderDescriptor.PROTOCOL_THRIFT_COMPACT);
        assertReason(Reason.UNSUPPORTED_PROTOCOL, compact);

        final UnsafeBuffer transformed = buffer(TTHEADER_PING);
        transformed.putByte(15, (byte)1);
        transformed.putByte(16, (byte)1);
        assertReason(Reason.UNSUPPORTED_TRANSFORM, transformed);
    }

    @Test
    void shouldRejectFramedThriftOverMaximum()
    {
        final UnsafeBuffer src = buffer(FRAMED_PING);
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> RpcFrameCodec.decode(src, 0, src.capacity(), 20, new RpcFrame()));
        assertEquals(Reason.FRAME_TOO_LARGE, ex.reason());
    }

    @Test
    void shouldRejectFrameShorterThanDetection()
    {
        assertReason(Reason.TRUNCATED_FRAME, "000000");
    }

    @Test
    void shouldEncodeAndDecodeApplicationException()
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[ApplicationExceptionCodec.encodedLength("boom")]);
        ApplicationExceptionCodec.encode(body, 0, ApplicationExceptionCodec.INTERNAL_ERROR, "boom");
        // field 1 STRING "boom", field 2 I32 6, STOP
        assertArrayEquals(hex("0b 0001 00000004 626f6f6d | 08 0002 00000006 | 00"), body.byteArray());
        final ApplicationExceptionCodec.Decoded decoded = ApplicationExceptionCodec.decode(body, 0, body.capacity());
        assertEquals(6, decoded.type());
        assertEquals("boom", decoded.message());
    }

    private static RpcFrame ping(final FrameFormat format)
    {
        return new RpcFrame().format(format).messageType(ThriftMessageType.CALL).method("ping").seqId(7)
            .body(buffer("00"), 0, 1);
    }

    private static byte[] encode(final RpcFrame frame)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[RpcFrameCodec.encodedLength(frame)]);
        assertEquals(dst.capacity(), RpcFrameCodec.encode(frame, dst, 0));
        return dst.byteArray();
    }

    private static RpcFrame decode(final String hex)
    {
        final UnsafeBuffer src = buffer(hex);
        final RpcFrame frame = new RpcFrame();
        assertEquals(src.capacity(), RpcFrameCodec.decode(src, 0, src.capacity(), MAX, frame));
        return frame;
    }

    private static void assertPing(final RpcFrame frame, final int bodyOffset)
    {
        assertEquals(ThriftMessageType.CALL, frame.messageType());
        assertEquals("ping", frame.method());
        assertEquals(7, frame.seqId());
        assertEquals(bodyOffset, frame.bodyOffset());
        assertEquals(1, frame.bodyLength());
    }

    private static void assertReason(final Reason reason, final String hex)
    {
        assertReason(reason, buffer(hex));
    }

    private static void assertReason(final Reason reason, final UnsafeBuffer src)
    {
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> RpcFrameCodec.decode(src, 0, src.capacity(), MAX, new RpcFrame()));
        assertEquals(reason, ex.reason(), ex.getMessage());
    }
}
