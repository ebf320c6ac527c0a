package echoframe

import (
	"bytes"
	"testing"
)

func TestHeaderCarriesLengthAndTheCRCJavaComputes(t *testing.T) {
	// java.util.zip.CRC32 over "123456789" is 0xCBF43926, the standard check value.
	h := EncodeHeader([]byte("123456789"))
	want := []byte{0, 0, 0, 9, 0xCB, 0xF4, 0x39, 0x26}
	if !bytes.Equal(h[:], want) {
		t.Fatalf("header = % x, want % x", h, want)
	}
	decoded, err := DecodeHeader(h[:])
	if err != nil || decoded.Length != 9 || decoded.CRC != 0xCBF43926 {
		t.Fatalf("DecodeHeader = %+v, %v", decoded, err)
	}
}

func TestDecodeHeaderRejectsShortInput(t *testing.T) {
	if _, err := DecodeHeader(make([]byte, HeaderSize-1)); err == nil {
		t.Fatal("a 7-byte header was accepted")
	}
}

func TestPatternIsDeterministicAndDiffersPerSeed(t *testing.T) {
	a, b, c := make([]byte, 1001), make([]byte, 1001), make([]byte, 1001)
	FillPattern(a, Seed(1, 2, 3))
	FillPattern(b, Seed(1, 2, 3))
	FillPattern(c, Seed(1, 2, 4))
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different patterns")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same pattern")
	}
	if bytes.Equal(a, make([]byte, len(a))) {
		t.Fatal("pattern left the buffer zeroed")
	}
}
