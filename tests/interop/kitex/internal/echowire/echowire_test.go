package echowire

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The bytes Apache Thrift's TBinaryProtocol writes for echo_args{data: "ab", crc32: CRC32("ab")}: the Java
// side (io.shmipc.interop.EchoThrift) is checked against the same image.
func TestEchoArgsLayoutIsThriftBinary(t *testing.T) {
	got := hex.EncodeToString(EncodeEchoArgs([]byte("ab")))
	want := "0b0001" + "00000002" + "6162" + "080002" + "9e83486d" + "00"
	if got != want {
		t.Fatalf("echo args\n got %s\nwant %s", got, want)
	}
}

func TestEchoArgsRoundTripWithEmptyData(t *testing.T) {
	args, err := DecodeEchoArgs(EncodeEchoArgs(nil))
	if err != nil || len(args.Data) != 0 || !args.CRCMatches() {
		t.Fatalf("got %+v, %v", args, err)
	}
}

func TestEchoArgsWithWrongCRCDoNotMatch(t *testing.T) {
	b := EncodeEchoArgs([]byte("ab"))
	b[len(b)-2] ^= 1
	args, err := DecodeEchoArgs(b)
	if err != nil || args.CRCMatches() {
		t.Fatalf("got %+v, %v", args, err)
	}
}

func TestUnknownFieldsAreSkipped(t *testing.T) {
	// {3: i64 7, 0: "xy"}
	b, _ := hex.DecodeString("0a0003" + "0000000000000007" + "0b0000" + "00000002" + "7879" + "00")
	data, err := DecodeEchoResult(b)
	if err != nil || !bytes.Equal(data, []byte("xy")) {
		t.Fatalf("got %q, %v", data, err)
	}
}

func TestTruncatedStructIsAnError(t *testing.T) {
	b := EncodeEchoResult([]byte("hello"))
	if _, err := DecodeEchoResult(b[:len(b)-3]); err == nil {
		t.Fatal("no error for a truncated struct")
	}
}

func TestFailArgsRoundTrip(t *testing.T) {
	reason, err := DecodeFailArgs(EncodeFailArgs("no reason at all"))
	if err != nil || reason != "no reason at all" {
		t.Fatalf("got %q, %v", reason, err)
	}
}

func TestPatternDependsOnSeed(t *testing.T) {
	if bytes.Equal(Pattern(1, 64), Pattern(2, 64)) || !bytes.Equal(Pattern(3, 64), Pattern(3, 64)) {
		t.Fatal("pattern is not a function of its seed")
	}
}
