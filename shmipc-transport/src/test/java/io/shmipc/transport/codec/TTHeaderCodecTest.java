package io.shmipc.transport.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.shmipc.transport.codec.Bytes.buffer;
import static io.shmipc.transport.codec.Bytes.copy;
import static io.shmipc.transport.codec.Bytes.hex;
import static io.shmipc.transport.codec.MalformedFrameException.Reason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TTHeaderCodecTest
{
    private static final int MAX = 1 << 20;

    /**
     * Minimal header, seq 1, 4-byte payload CAFEBABE. Header area = protocol id + transform count = 2 bytes,
     * padded to 4 (HEADER SIZE 1 word); LENGTH = 14 + 4 + 4 - 4 = 18.
     */
    private static final String MINIMAL =
        "00000012 | 1000 | 0000 | 00000001 | 0001 | 00 | 00 | 0000 | CAFEBABE";

    /**
     * Flags 0x0001, seq 0x01020304, int info {9 (ToMethod): "echo"}, string info {"isn": "svc"}, no payload.
     * Area: 2 + int block (1 + 2 + 2 + 2 + 4 = 11) + string block (1 + 2 + 2 + 3 + 2 + 3 = 13) = 26, padded to 28
     * (HEADER SIZE 7); LENGTH = 14 + 28 - 4 = 38.
     */
    private static final String WITH_INFO =
        "00000026 | 1000 | 0001 | 01020304 | 0007 | 00 | 00 |" +
        "10 0001 0009 0004 6563686f |" +
        "01 0001 0003 69736e 0003 737663 |" +
        "0000";

    @Test
    void shouldEncodeMinimalHeaderToGoldenBytes()
    {
        final TTHeader header = new TTHeader().seqId(1);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[22]);
        final int headerLength = TTHeaderCodec.encode(header, 4, dst, 0);
        dst.putInt(headerLength, 0xCAFEBABE, java.nio.ByteOrder.BIG_ENDIAN);

        assertEquals(18, headerLength);
        assertArrayEquals(hex(MINIMAL), dst.byteArray());
    }

    @Test
    void shouldEncodeInfoKeysToGoldenBytes()
    {
        final TTHeader header = new TTHeader().flags(TTHeaderDescriptor.FLAG_OUT_OF_ORDER).seqId(0x01020304)
            .putIntInfo(IntInfoKey.TO_METHOD, "echo").putStringInfo(StringInfoKeys.IDL_SERVICE_NAME, "svc");
        assertEquals(42, TTHeaderCodec.headerLength(header));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[42]);
        dst.setMemory(0, 42, (byte)0x5A);

        assertEquals(42, TTHeaderCodec.encode(header, 0, dst, 0));
        assertArrayEquals(hex(WITH_INFO), dst.byteArray());
    }

    @Test
    void shouldEncodeSharedInfoKeysToTheSameGoldenBytes()
    {
        final InfoKeys keys = InfoKeys.of(Map.of(IntInfoKey.TO_METHOD.id(), "echo"),
            Map.of(StringInfoKeys.IDL_SERVICE_NAME, "svc"));
        final TTHeader header = new TTHeader().flags(TTHeaderDescriptor.FLAG_OUT_OF_ORDER).seqId(0x01020304)
            .info(keys);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[42]);
        dst.setMemory(0, 42, (byte)0x5A);

        assertEquals(42, TTHeaderCodec.encode(header, 0, dst, 0));
        assertArrayEquals(hex(WITH_INFO), dst.byteArray());
        assertEquals("echo", header.intInfo(IntInfoKey.TO_METHOD));
        assertEquals(Map.of(StringInfoKeys.IDL_SERVICE_NAME, "svc"), header.stringInfoView());
    }

    @Test
    void shouldCopySharedInfoKeysWhenAHandlerChangesOne()
    {
        final InfoKeys keys = InfoKeys.of(Map.of(IntInfoKey.TO_METHOD.id(), "echo"), Map.of());
        final TTHeader header = new TTHeader().info(keys).putStringInfo("added", "yes");

        assertEquals(Map.of(IntInfoKey.TO_METHOD.id(), "echo"), header.intInfoView());
        assertEquals(Map.of("added", "yes"), header.stringInfoView());
        assertEquals(Map.of(), keys.stringInfo(), "the shared keys stay as they were");
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[TTHeaderCodec.headerLength(header)]);
        TTHeaderCodec.encode(header, 0, dst, 0);
        final TTHeader decoded = new TTHeader();
        TTHeaderCodec.decode(dst, 0, dst.capacity(), MAX, decoded);
        assertEquals(header.intInfoView(), decoded.intInfoView());
        assertEquals(header.stringInfoView(), decoded.stringInfoView());
    }

    @Test
    void shouldReplaceEarlierKeysWhenInfoKeysAreTaken()
    {
        final TTHeader header = new TTHeader().putStringInfo("old", "1")
            .info(InfoKeys.of(Map.of(), Map.of("new", "2")));
        assertEquals(Map.of("new", "2"), header.stringInfoView());
        header.reset();
        assertTrue(header.stringInfoView().isEmpty());
    }

    @Test
    void shouldRefuseInfoKeysThatDoNotFitWhenTheyAreMade()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> InfoKeys.of(Map.of(70_000, "x"), Map.of()));
        assertTrue(ex.getMessage().contains("70000"), ex.getMessage());
    }

    @Test
    void shouldDecodeGoldenBytesAndPointAtPayload()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        final TTHeader header = new TTHeader();

        final int headerLength = TTHeaderCodec.decode(src, 0, src.capacity(), MAX, header);

        assertEquals(18, headerLength);
        assertEquals(22, TTHeaderCodec.frameLength(src, 0));
        assertEquals(1, header.seqId());
        assertEquals(0, header.flags());
        assertEquals(TTHeaderDescriptor.PROTOCOL_THRIFT_BINARY, header.protocolId());
        assertTrue(header.stringInfo().isEmpty());
        assertArrayEquals(hex("CAFEBABE"), copy(src, headerLength, 4));
    }

    @Test
    void shouldDecodeInfoKeysFromGoldenBytes()
    {
        final UnsafeBuffer src = buffer(WITH_INFO);
        final TTHeader header = new TTHeader();

        assertEquals(42, TTHeaderCodec.decode(src, 0, src.capacity(), MAX, header));
        assertEquals(0x01020304, header.seqId());
        assertEquals(TTHeaderDescriptor.FLAG_OUT_OF_ORDER, header.flags());
        assertEquals("echo", header.intInfo(IntInfoKey.TO_METHOD));
        assertEquals(Map.of("isn", "svc"), header.stringInfo());
        assertNull(header.aclToken());
    }

    @Test
    void shouldShareTheKeysDecodedFromTheSameBytesUntilOneHeaderChangesThem()
    {
        final UnsafeBuffer first = buffer(WITH_INFO);
        final UnsafeBuffer second = new UnsafeBuffer(new byte[first.capacity() + 5]);
        second.putBytes(5, first, 0, first.capacity());
        final TTHeader a = new TTHeader();
        final TTHeader b = new TTHeader();
        TTHeaderCodec.decode(first, 0, first.capacity(), MAX, a);
        TTHeaderCodec.decode(second, 5, first.capacity(), MAX, b);

        assertSame(a.intInfoView(), b.intInfoView(), "the second decode found the keys of the first");
        assertSame(a.stringInfoView(), b.stringInfoView());
        a.putStringInfo("added", "1");
        assertEquals(Map.of("isn", "svc", "added", "1"), a.stringInfoView());
        assertEquals(Map.of("isn", "svc"), b.stringInfoView(), "a change copies the keys first");
        assertEquals("echo", b.intInfo(IntInfoKey.TO_METHOD));
        assertThrows(UnsupportedOperationException.class, () -> b.intInfoView().put(1, "x"));
    }

    @Test
    void shouldMergeInfoBlocksInWireOrderAroundAnAclTokenWhetherDecodedOrFoundAgain()
    {
        // A string block, the ACL token, an integer block and a string block that overrides one of the first's keys.
        final String frame =
            "00000036 | 1000 | 0000 | 00000009 | 000b | 00 | 00 |" +
            "01 0002 0001 6a 0001 31 0001 6b 0001 31 |" +
            "11 0002 6869 |" +
            "10 0001 0009 0004 6563686f |" +
            "01 0001 0001 6b 0001 32 | 0000";
        for (int round = 0; round < 2; round++)
        {
            final UnsafeBuffer src = buffer(frame);
            final TTHeader header = new TTHeader();
            TTHeaderCodec.decode(src, 0, src.capacity(), MAX, header);
            assertEquals(Map.of("j", "1", "k", "2"), header.stringInfoView(), "round " + round);
            assertEquals(Map.of(IntInfoKey.TO_METHOD.id(), "echo"), header.intInfoView(), "round " + round);
            assertEquals("hi", header.aclToken());
        }
    }

    @Test
    void shouldRoundTripEveryInfoKindAtAnOffset()
    {
        final TTHeader header = new TTHeader().flags(0x1B).seqId(-7).protocolId(0).transformIds((byte)1, (byte)2)
            .aclToken("token-\u00e9")
            .putStringInfo("rip", "10.0.0.1").putStringInfo("crrst", "1").putStringInfo("k\u00fcy", "v\u4e2d");
        for (final IntInfoKey key : IntInfoKey.values())
        {
            header.putIntInfo(key, "v" + key.id());
        }
        header.intInfo().put(4711, "unnamed key");
        final int offset = 13;
        final int headerLength = TTHeaderCodec.headerLength(header);
        assertEquals(0, (headerLength - TTHeaderDescriptor.FIXED_HEADER_LENGTH) % 4);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[offset + headerLength + 3]);
        TTHeaderCodec.encode(header, 3, dst, offset);

        final TTHeader decoded = new TTHeader();
        assertEquals(headerLength, TTHeaderCodec.decode(dst, offset, headerLength + 3, MAX, decoded));
        assertEquals(header.toString(), decoded.toString());
        assertEquals(header.stringInfo(), decoded.stringInfo());
        assertEquals(header.intInfo(), decoded.intInfo());
        assertEquals("token-\u00e9", decoded.aclToken());
        assertArrayEquals(new byte[] {1, 2}, decoded.transformIds());
    }

    @Test
    void shouldRejectBadMagic()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        src.putByte(4, (byte)0x20);
        assertReason(Reason.BAD_MAGIC, src);
    }

    @Test
    void shouldRejectLengthBeyondFormatLimit()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        src.putInt(0, 0x4000_0000, java.nio.ByteOrder.BIG_ENDIAN);
        assertReason(Reason.FRAME_TOO_LARGE, src);
    }

    @Test
    void shouldRejectLengthBeyondConfiguredMaximum()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> TTHeaderCodec.decode(src, 0, src.capacity(), 21, new TTHeader()));
        assertEquals(Reason.FRAME_TOO_LARGE, ex.reason());
        assertTrue(ex.getMessage().contains("maximum frame size 21"), ex.getMessage());
    }

    @Test
    void shouldRejectFrameShorterThanItsLength()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> TTHeaderCodec.decode(src, 0, 21, MAX, new TTHeader()));
        assertEquals(Reason.TRUNCATED_FRAME, ex.reason());
    }

    @Test
    void shouldRejectHeaderSizeBeyondFrame()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        src.putShort(12, (short)3, java.nio.ByteOrder.BIG_ENDIAN);
        assertReason(Reason.HEADER_SIZE_BEYOND_FRAME, src);
    }

    @Test
    void shouldRejectZeroHeaderSize()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        src.putShort(12, (short)0, java.nio.ByteOrder.BIG_ENDIAN);
        assertReason(Reason.TRUNCATED_HEADER, src);
    }

    @Test
    void shouldRejectTransformsThatOverrunHeader()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        src.putByte(15, (byte)5);
        assertReason(Reason.TRUNCATED_HEADER, src);
    }

    @Test
    void shouldRejectTruncatedInfoBlock()
    {
        final UnsafeBuffer src = buffer(WITH_INFO);
        src.putShort(21, (short)0xFF, java.nio.ByteOrder.BIG_ENDIAN); // value length of "echo"
        final MalformedFrameException ex = assertReason(Reason.TRUNCATED_INFO, src);
        assertTrue(ex.getMessage().contains("integer info 9"), ex.getMessage());
    }

    @Test
    void shouldRejectInfoCountThatRunsOffTheHeader()
    {
        final UnsafeBuffer src = buffer(WITH_INFO);
        src.putShort(28, (short)9, java.nio.ByteOrder.BIG_ENDIAN); // string block count
        assertReason(Reason.TRUNCATED_INFO, src);
    }

    @Test
    void shouldRejectUnknownInfoId()
    {
        final UnsafeBuffer src = buffer(WITH_INFO);
        src.putByte(16, (byte)0x20);
        final MalformedFrameException ex = assertReason(Reason.UNKNOWN_INFO_ID, src);
        assertTrue(ex.getMessage().contains("0x20 at frame offset 16"), ex.getMessage());
    }

    @Test
    void shouldRejectNonZeroPadding()
    {
        final UnsafeBuffer src = buffer(MINIMAL);
        src.putByte(17, (byte)5);
        final MalformedFrameException ex = assertReason(Reason.BAD_PADDING, src);
        assertTrue(ex.getMessage().contains("offset 17"), ex.getMessage());
    }

    @Test
    void shouldRefuseToEncodeValuesLongerThanU16()
    {
        final TTHeader header = new TTHeader().putStringInfo("big", "x".repeat(70_000));
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> TTHeaderCodec.headerLength(header));
        assertTrue(ex.getMessage().contains("'big'"), ex.getMessage());
    }

    private static MalformedFrameException assertReason(final Reason reason, final UnsafeBuffer src)
    {
        final MalformedFrameException ex = assertThrows(MalformedFrameException.class,
            () -> TTHeaderCodec.decode(src, 0, src.capacity(), MAX, new TTHeader()));
        assertEquals(reason, ex.reason(), ex.getMessage());
        return ex;
    }
}
