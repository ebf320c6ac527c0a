package io.shmipc.bench.spi;

/**
 * A running server of one transport, inside the server JVM.
 */
public interface BenchServer extends AutoCloseable
{
    /**
     * @return where clients connect: a port, a socket path, a file or directory name; opaque to the harness.
     */
    String endpoint();

    /**
     * Stops serving and releases every resource (threads, sockets, mapped files). Idempotent.
     */
    @Override
    void close();
}
