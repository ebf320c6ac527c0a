// Package echowire encodes the argument and result structs of the Echo service in echo.thrift, in
// Thrift binary, for Kitex's binary generic calls (which carry exactly these structs: Kitex writes the
// message header and the TTHeader itself).
package echowire

import (
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/cloudwego/gopkg/protocol/thrift"
)

// Names of the service and its methods, as in echo.thrift.
const (
	ServiceName = "Echo"
	MethodEcho  = "echo"
	MethodFail  = "fail"
	// MethodBizFail answers with a Kitex business status error (TTHeader keys biz-status, biz-message).
	MethodBizFail = "bizfail"
	// BizStatusCode is the code bizfail answers with.
	BizStatusCode = 1001
)

const (
	fieldSuccess = 0
	fieldData    = 1
	fieldCRC     = 2
	fieldReason  = 1
)

var bin = thrift.Binary

// EchoArgs is echo's argument struct.
type EchoArgs struct {
	Data  []byte
	CRC32 uint32
	// HasCRC is false when the caller left field 2 out.
	HasCRC bool
}

// EncodeEchoArgs returns {1: data, 2: CRC-32 of data}.
func EncodeEchoArgs(data []byte) []byte {
	b := make([]byte, 0, len(data)+3+4+3+4+1)
	b = bin.AppendFieldBegin(b, thrift.STRING, fieldData)
	b = bin.AppendBinary(b, data)
	b = bin.AppendFieldBegin(b, thrift.I32, fieldCRC)
	b = bin.AppendI32(b, int32(crc32.ChecksumIEEE(data)))
	return bin.AppendFieldStop(b)
}

// DecodeEchoArgs reads echo's argument struct; unknown fields are skipped.
func DecodeEchoArgs(b []byte) (EchoArgs, error) {
	var args EchoArgs
	seenData := false
	err := walk(b, func(id int16, t thrift.TType, v []byte) (int, error) {
		switch {
		case id == fieldData && t == thrift.STRING:
			data, n, err := bin.ReadBinary(v)
			args.Data, seenData = data, true
			return n, err
		case id == fieldCRC && t == thrift.I32:
			crc, n, err := bin.ReadI32(v)
			args.CRC32, args.HasCRC = uint32(crc), true
			return n, err
		}
		return -1, nil
	})
	if err == nil && !seenData {
		err = errors.New("echo arguments have no field 1 (data)")
	}
	return args, err
}

// CRCMatches tells whether the arguments carry the CRC of their data.
func (a EchoArgs) CRCMatches() bool {
	return a.HasCRC && crc32.ChecksumIEEE(a.Data) == a.CRC32
}

// EncodeEchoResult returns {0: data}.
func EncodeEchoResult(data []byte) []byte {
	b := make([]byte, 0, len(data)+3+4+1)
	b = bin.AppendFieldBegin(b, thrift.STRING, fieldSuccess)
	b = bin.AppendBinary(b, data)
	return bin.AppendFieldStop(b)
}

// DecodeEchoResult reads echo's result struct, which must hold field 0.
func DecodeEchoResult(b []byte) ([]byte, error) {
	var data []byte
	seen := false
	err := walk(b, func(id int16, t thrift.TType, v []byte) (int, error) {
		if id == fieldSuccess && t == thrift.STRING {
			d, n, err := bin.ReadBinary(v)
			data, seen = d, true
			return n, err
		}
		return -1, nil
	})
	if err == nil && !seen {
		err = errors.New("echo result has no field 0 (success)")
	}
	return data, err
}

// EncodeFailArgs returns {1: reason}, the arguments of fail and bizfail.
func EncodeFailArgs(reason string) []byte {
	b := make([]byte, 0, len(reason)+3+4+1)
	b = bin.AppendFieldBegin(b, thrift.STRING, fieldReason)
	b = bin.AppendString(b, reason)
	return bin.AppendFieldStop(b)
}

// DecodeFailArgs reads the argument struct of fail and bizfail.
func DecodeFailArgs(b []byte) (string, error) {
	var reason string
	err := walk(b, func(id int16, t thrift.TType, v []byte) (int, error) {
		if id == fieldReason && t == thrift.STRING {
			s, n, err := bin.ReadString(v)
			reason = s
			return n, err
		}
		return -1, nil
	})
	return reason, err
}

// walk calls field for every field of the struct in b until the stop byte; field returns how many
// bytes of the value it read, or -1 to have the value skipped. Trailing bytes are an error.
func walk(b []byte, field func(id int16, t thrift.TType, v []byte) (int, error)) error {
	i := 0
	for {
		t, id, n, err := bin.ReadFieldBegin(b[i:])
		if err != nil {
			return fmt.Errorf("field header at byte %d: %w", i, err)
		}
		i += n
		if t == thrift.STOP {
			break
		}
		n, err = field(id, t, b[i:])
		if err != nil {
			return fmt.Errorf("field %d at byte %d: %w", id, i, err)
		}
		if n < 0 {
			if n, err = bin.Skip(b[i:], t); err != nil {
				return fmt.Errorf("skipping field %d at byte %d: %w", id, i, err)
			}
		}
		i += n
	}
	if i != len(b) {
		return fmt.Errorf("%d bytes after the struct's stop byte", len(b)-i)
	}
	return nil
}

// Pattern returns n deterministic bytes that differ with seed (caller, size and repetition), so a
// reply delivered to the wrong call cannot match.
func Pattern(seed uint64, n int) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}
