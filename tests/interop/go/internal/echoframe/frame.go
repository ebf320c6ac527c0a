// Package echoframe is the echo protocol spoken by the interop peers:
// every message on a stream is
//
//	u32 big-endian payload length | u32 big-endian CRC-32 (IEEE) of the payload | payload
//
// The CRC is the one java.util.zip.CRC32 and hash/crc32.ChecksumIEEE compute.
package echoframe

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// HeaderSize is the length of the frame header that precedes every payload.
const HeaderSize = 8

// Header is a decoded frame header.
type Header struct {
	Length uint32
	CRC    uint32
}

// EncodeHeader returns the header bytes announcing payload.
func EncodeHeader(payload []byte) [HeaderSize]byte {
	var h [HeaderSize]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(h[4:8], crc32.ChecksumIEEE(payload))
	return h
}

// DecodeHeader reads a header from the first HeaderSize bytes of b.
func DecodeHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("frame header needs %d bytes, got %d", HeaderSize, len(b))
	}
	return Header{
		Length: binary.BigEndian.Uint32(b[0:4]),
		CRC:    binary.BigEndian.Uint32(b[4:8]),
	}, nil
}

// CRC is the checksum the header carries for payload.
func CRC(payload []byte) uint32 {
	return crc32.ChecksumIEEE(payload)
}

// FillPattern fills b with a deterministic pseudo-random pattern derived from seed.
// Different seeds give different contents, so a frame delivered to the wrong stream,
// or an old frame delivered twice, does not match what the receiver expects.
func FillPattern(b []byte, seed uint64) {
	// xorshift64*: cheap enough to fill megabytes per message, and never all zeros.
	x := seed*0x9E3779B97F4A7C15 | 1
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		binary.LittleEndian.PutUint64(b[i:], x*0x2545F4914F6CDD1D)
	}
	if i < len(b) {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		var tail [8]byte
		binary.LittleEndian.PutUint64(tail[:], x*0x2545F4914F6CDD1D)
		copy(b[i:], tail[:])
	}
}

// Seed names one message: which worker sent it, which size class, which repetition.
func Seed(worker, sizeIndex, message int) uint64 {
	return uint64(worker)<<40 | uint64(sizeIndex)<<24 | uint64(message)
}
