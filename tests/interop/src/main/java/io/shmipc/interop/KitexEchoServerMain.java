package io.shmipc.interop;

import io.shmipc.transport.RequestContext;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java server of the Kitex scenarios: an {@link RpcServer} on TCP serving the Echo service of
 * {@code tests/interop/kitex/echo.thrift} to the Go kitex-echo-client, {@code KitexEchoServerMain [-addr 127.0.0.1:0]
 * [-executor-threads N]}. echo checks the CRC in its arguments and returns the data; fail throws, which the client
 * receives as an application exception carrying the message; bizfail answers as a Kitex handler returning a
 * business status error does: an empty result and the TTHeader string keys {@code biz-status} and
 * {@code biz-message}, which a Kitex client turns into its {@code BizStatusError}.
 * <p>
 * Prints {@code READY host:port} once listening. On SIGTERM it shuts down, prints one JSON line
 * {@code {"calls":..,"bytes":..,"crc_errors":..,"fails":..,"request_int_keys":[..],"request_string_keys":[..]}}
 * (the TTHeader info keys the Kitex client sent) and exits 0 if no CRC error was seen, else 1.
 */
public final class KitexEchoServerMain {
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong crcErrors = new AtomicLong();
    private final AtomicLong fails = new AtomicLong();
    private final Set<Integer> intKeys = new ConcurrentSkipListSet<>();
    private final Set<String> stringKeys = new ConcurrentSkipListSet<>();

    private KitexEchoServerMain() {
    }

    public static void main(final String[] args) throws Exception {
        String address = ServerOptions.DEFAULT_TCP_ADDRESS;
        int executorThreads = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-addr" -> address = args[++i];
                case "-executor-threads" -> executorThreads = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("kitex echo server: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        final KitexEchoServerMain service = new KitexEchoServerMain();
        final RpcServer server = RpcServer.start(ServerOptions.builder(service::handle)
            .tcpAddress(address).executorThreads(executorThreads).drainTimeout(DRAIN_TIMEOUT).build());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            System.out.println(service.summary());
            System.out.flush();
            // A JVM ending on SIGTERM exits 143; the suite wants the verdict instead.
            Runtime.getRuntime().halt(service.crcErrors.get() == 0 ? 0 : 1);
        }, "kitex-echo-server-exit"));
        System.out.println("READY " + server.tcpAddress());
        System.out.flush();
        Thread.currentThread().join();
    }

    private DirectBuffer handle(final RequestContext context, final DirectBuffer request) {
        calls.incrementAndGet();
        intKeys.addAll(context.intInfo().keySet());
        stringKeys.addAll(context.stringInfo().keySet());
        switch (context.method()) {
            case EchoThrift.METHOD_ECHO -> {
                final EchoThrift.EchoArgs args = EchoThrift.decodeEchoArgs(request);
                if (!args.crcMatches()) {
                    crcErrors.incrementAndGet();
                    System.err.println("kitex echo server: CRC mismatch on " + args.data().length + " bytes, seq "
                        + context.seqId());
                    throw new IllegalArgumentException(
                        "echo: CRC-32 of " + args.data().length + " bytes does not match the crc32 argument");
                }
                bytes.addAndGet(args.data().length);
                return new UnsafeBuffer(EchoThrift.echoResult(args.data()));
            }
            case EchoThrift.METHOD_FAIL -> {
                fails.incrementAndGet();
                throw new IllegalStateException("fail called: " + EchoThrift.decodeFailArgs(request));
            }
            case EchoThrift.METHOD_BIZ_FAIL -> {
                // A Kitex business status error: a normal reply whose TTHeader says what went wrong.
                fails.incrementAndGet();
                context.putResponseStringInfo(EchoThrift.BIZ_STATUS_KEY, Integer.toString(EchoThrift.BIZ_STATUS_CODE));
                context.putResponseStringInfo(EchoThrift.BIZ_MESSAGE_KEY,
                    "bizfail called: " + EchoThrift.decodeFailArgs(request));
                return new UnsafeBuffer(EchoThrift.emptyResult());
            }
            default -> throw new UnsupportedOperationException("unknown method " + context.method());
        }
    }

    private String summary() {
        return String.format("{\"calls\":%d,\"bytes\":%d,\"crc_errors\":%d,\"fails\":%d,\"request_int_keys\":%s,"
                + "\"request_string_keys\":%s}", calls.get(), bytes.get(), crcErrors.get(), fails.get(),
            JsonText.array(intKeys), JsonText.array(stringKeys));
    }
}
