// A service with a one-way method, for the transport's drop-in tests. The generated Java is committed under
// src/test/java; regenerate with the Thrift 0.17 compiler from the module directory:
//   thrift -gen java:generated_annotations=suppress -out src/test/java src/test/thrift/notifier.thrift
namespace java io.shmipc.transport.thrift.gen

service Notifier {
  oneway void post(1: i32 index, 2: binary data)
  i32 count()
}
