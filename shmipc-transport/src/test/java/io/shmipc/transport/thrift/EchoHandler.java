package io.shmipc.transport.thrift;

import io.shmipc.examples.thrift.gen.Echo;
import io.shmipc.examples.thrift.gen.EchoError;

import java.nio.ByteBuffer;

/**
 * The generated {@code Echo} service's implementation for tests: echo, add, and a method that throws the declared
 * exception (or crashes for "crash").
 */
public final class EchoHandler implements Echo.Iface
{
    @Override
    public ByteBuffer echo(final ByteBuffer data)
    {
        return data;
    }

    @Override
    public int add(final int a, final int b)
    {
        return a + b;
    }

    @Override
    public String fail(final String reason) throws EchoError
    {
        if (reason.equals("crash"))
        {
            throw new IllegalStateException("handler crashed");
        }
        throw new EchoError(reason);
    }
}
