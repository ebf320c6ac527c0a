// The service the Kitex interop scenarios call (tests/interop/run.sh, kitex-* scenarios).
//
// Nothing is generated from this file: the Go programs use Kitex's binary generic call
// (generic.BinaryThriftGenericV2), which sends and receives the encoded argument and result structs,
// and both sides encode these few structs by hand (Go: internal/echowire with cloudwego/gopkg's
// thrift.Binary; Java: io.shmipc.interop.EchoThrift). It is the IDL of the Thrift examples
// (examples/thrift-echo) with a CRC field added to echo's arguments, so the server checks every payload.
namespace go echo
namespace java io.shmipc.interop

exception EchoError {
  1: string reason
}

service Echo {
  // Returns data unchanged. crc32 is the CRC-32 (IEEE) of data; a server that computes another value
  // answers with an application exception instead.
  binary echo(1: binary data, 2: i32 crc32)

  // Always answers with an application exception (TApplicationException, not EchoError) whose message
  // contains reason: the error path between the two implementations.
  string fail(1: string reason) throws (1: EchoError error)

  // Answers with a Kitex business status error: a reply whose TTHeader carries the string keys
  // biz-status (the code, 1001) and biz-message (containing reason), and whose result is empty.
  string bizfail(1: string reason)
}
