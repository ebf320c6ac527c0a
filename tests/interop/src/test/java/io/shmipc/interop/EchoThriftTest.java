package io.shmipc.interop;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EchoThriftTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The same image as the Go side's TestEchoArgsLayoutIsThriftBinary (tests/interop/kitex/internal/echowire). */
    @Test
    void shouldWriteEchoArgsAsThriftBinaryWithTheCrcOfTheData() {
        final byte[] args = EchoThrift.echoArgs("ab".getBytes(StandardCharsets.US_ASCII));
        assertEquals("0b0001" + "00000002" + "6162" + "080002" + "9e83486d" + "00", HEX.formatHex(args));
    }

    @Test
    void shouldDecodeEmptyDataWithAMatchingCrc() {
        final EchoThrift.EchoArgs args = EchoThrift.decodeEchoArgs(new UnsafeBuffer(EchoThrift.echoArgs(new byte[0])));
        assertEquals(0, args.data().length);
        assertTrue(args.crcMatches());
    }

    @Test
    void shouldReportAWrongCrcWhenTheDataChanged() {
        final byte[] bytes = EchoThrift.echoArgs("ab".getBytes(StandardCharsets.US_ASCII));
        bytes[7] ^= 1;
        assertFalse(EchoThrift.decodeEchoArgs(new UnsafeBuffer(bytes)).crcMatches());
    }

    @Test
    void shouldSkipUnknownFieldsOfEveryKindWhenDecodingAResult() {
        // {3: i64 7, 4: list<string>["z"], 5: map<i32,bool>{1: true}, 6: struct{1: i16 2}, 0: "xy"}
        final byte[] bytes = HEX.parseHex("0a0003" + "0000000000000007"
            + "0f0004" + "0b" + "00000001" + "00000001" + "7a"
            + "0d0005" + "08" + "02" + "00000001" + "00000001" + "01"
            + "0c0006" + "060001" + "0002" + "00"
            + "0b0000" + "00000002" + "7879" + "00");
        assertArrayEquals("xy".getBytes(StandardCharsets.US_ASCII),
            EchoThrift.decodeEchoResult(new UnsafeBuffer(bytes)));
    }

    @Test
    void shouldRejectATruncatedStructNamingWhereItEnds() {
        final byte[] whole = EchoThrift.echoResult(new byte[10]);
        final byte[] cut = Arrays.copyOf(whole, whole.length - 3);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> EchoThrift.decodeEchoResult(new UnsafeBuffer(cut)));
        assertTrue(e.getMessage().contains("struct ends at byte " + cut.length), e.getMessage());
    }

    @Test
    void shouldRejectAListLongerThanTheBytesLeft() {
        final byte[] bytes = HEX.parseHex("0f0004" + "08" + "7fffffff" + "00");
        assertThrows(IllegalArgumentException.class, () -> EchoThrift.decodeEchoResult(new UnsafeBuffer(bytes)));
    }

    @Test
    void shouldRoundTripFailArguments() {
        assertEquals("no reason at all",
            EchoThrift.decodeFailArgs(new UnsafeBuffer(EchoThrift.failArgs("no reason at all"))));
    }
}
