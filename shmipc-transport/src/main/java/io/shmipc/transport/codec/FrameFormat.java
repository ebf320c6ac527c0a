package io.shmipc.transport.codec;

/**
 * How an RPC message is framed on the wire. A server answers in the format the request came in.
 */
public enum FrameFormat
{
    /** TTHeader whose payload is an unframed strict Thrift binary message. */
    TTHEADER,
    /** TTHeader whose payload is a u32-length-framed Thrift binary message (Kitex clients' default). */
    TTHEADER_FRAMED,
    /** Framed Thrift binary without a TTHeader (Apache Thrift's {@code TFramedTransport}); carries no info keys. */
    FRAMED
}
