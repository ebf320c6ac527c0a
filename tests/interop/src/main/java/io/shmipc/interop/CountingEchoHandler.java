package io.shmipc.interop;

import io.shmipc.transport.RequestContext;
import io.shmipc.transport.RpcHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo method of {@code kitex/echo.thrift} and nothing else: checks the CRC-32 argument, answers with the data,
 * and counts calls, bytes and CRC mismatches (answered with an application exception).
 */
final class CountingEchoHandler implements RpcHandler {
    private final String name;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong crcErrors = new AtomicLong();

    /** @param name what logs and the summary call this server ({@code old}, {@code new}). */
    CountingEchoHandler(final String name) {
        this.name = name;
    }

    @Override
    public DirectBuffer handle(final RequestContext context, final DirectBuffer request) {
        if (!EchoThrift.METHOD_ECHO.equals(context.method())) {
            throw new UnsupportedOperationException("only echo is served here, not " + context.method());
        }
        final EchoThrift.EchoArgs args = EchoThrift.decodeEchoArgs(request);
        if (!args.crcMatches()) {
            crcErrors.incrementAndGet();
            System.err.println(name + " echo server: CRC mismatch on " + args.data().length + " bytes, seq "
                + context.seqId());
            throw new IllegalArgumentException(
                "echo: CRC-32 of " + args.data().length + " bytes does not match the crc32 argument");
        }
        calls.incrementAndGet();
        bytes.addAndGet(args.data().length);
        return new UnsafeBuffer(EchoThrift.echoResult(args.data()));
    }

    /** @return CRC mismatches seen. */
    long crcErrors() {
        return crcErrors.get();
    }

    /** @return {@code "<name>_calls":..,"<name>_bytes":..,"<name>_crc_errors":..} for a JSON summary line. */
    String jsonFields() {
        return String.format("\"%1$s_calls\":%2$d,\"%1$s_bytes\":%3$d,\"%1$s_crc_errors\":%4$d", name, calls.get(),
            bytes.get(), crcErrors.get());
    }
}
