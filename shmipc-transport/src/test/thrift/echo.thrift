// A tiny service for testing Apache Thrift clients against the transport.
// Generated Java is committed under src/test/java (CI has no thrift compiler); regenerate with:
//   thrift -gen java:generated_annotations=suppress -out src/test/java src/test/thrift/echo.thrift
namespace java io.shmipc.transport.thrift.gen

exception EchoError {
  1: string reason
}

service Echo {
  binary echo(1: binary data)
  i32 add(1: i32 a, 2: i32 b)
  string fail(1: string reason) throws (1: EchoError error)
}
