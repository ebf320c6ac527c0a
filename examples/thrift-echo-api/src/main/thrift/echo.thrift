// The example's service. The generated Java is committed under src/main/java; regenerate with the Thrift 0.17
// compiler (apt install thrift-compiler) from this directory:
//   thrift -gen java:generated_annotations=suppress -out src/main/java src/main/thrift/echo.thrift
// The same code serves the example (examples/thrift-echo) and the transport's drop-in tests.
namespace java io.shmipc.examples.thrift.gen

exception EchoError {
  1: string reason
}

service Echo {
  binary echo(1: binary data)
  i32 add(1: i32 a, 2: i32 b)
  string fail(1: string reason) throws (1: EchoError error)
}
