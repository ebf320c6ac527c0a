package io.shmipc.interop;

import io.shmipc.transport.ClientOptions;
import io.shmipc.transport.RemoteApplicationException;
import io.shmipc.transport.Request;
import io.shmipc.transport.Response;
import io.shmipc.transport.RpcClient;
import io.shmipc.transport.RpcException;
import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.StringInfoKeys;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java client of the Kitex scenarios: an {@link RpcClient} on TCP calling the Go kitex-echo-server's Echo service
 * ({@code tests/interop/kitex/echo.thrift}), {@code KitexEchoClientMain -addr host:port [-sizes 0,64,65536,1048576]
 * [-concurrency 8] [-count 4] [-format ttheader|ttheader-framed] [-connections 1] [-timeout 45s] [-fail-check]}.
 * <p>
 * {@code concurrency} threads each call echo {@code count} times for every size, with a payload that differs per
 * thread, size and repetition, and check the reply byte for byte and by CRC; all calls share the client's
 * connections, so replies are told apart by seq id only. Every reply's seq id must be new. With
 * {@code -fail-check} it also calls fail and expects a {@link RemoteApplicationException} carrying the reason, and
 * bizfail and expects a reply whose TTHeader carries Kitex's business status keys.
 * <p>
 * The last stdout line is {@code {"calls":..,"bytes":..,"failures":..,"expected_calls":..,"fail_check":..,
 * "elapsed_ms":..,"reply_int_keys":[..],"reply_string_keys":[..]}} (the info keys of the Kitex server's replies).
 * Exit 0 only if every call came back intact and the fail check passed when asked for.
 */
public final class KitexEchoClientMain {
    private static final int MAX_LOGGED_FAILURES = 20;
    /** What this caller says it is, in the integer info key FROM_SERVICE. */
    private static final String FROM_SERVICE = "shmipc-java-interop";

    private final RpcClient client;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Set<Integer> seqIds = ConcurrentHashMap.newKeySet();
    private final Set<Integer> replyIntKeys = new ConcurrentSkipListSet<>();
    private final Set<String> replyStringKeys = new ConcurrentSkipListSet<>();

    private KitexEchoClientMain(final RpcClient client) {
        this.client = client;
    }

    public static void main(final String[] args) throws Exception {
        String address = null;
        int[] sizes = {0, 64, 65536, 1 << 20};
        int concurrency = 8;
        int count = 4;
        int connections = 1;
        FrameFormat format = FrameFormat.TTHEADER_FRAMED;
        Duration timeout = Duration.ofSeconds(45);
        boolean failCheck = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-addr" -> address = args[++i];
                case "-sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "-concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "-count" -> count = Integer.parseInt(args[++i]);
                case "-connections" -> connections = Integer.parseInt(args[++i]);
                case "-format" -> format = FrameFormat.valueOf(args[++i].toUpperCase().replace('-', '_'));
                case "-timeout" -> timeout = EchoClientMain.goDuration(args[++i]);
                case "-fail-check" -> failCheck = true;
                default -> {
                    System.err.println("kitex echo client: unknown flag " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (address == null) {
            System.err.println("kitex echo client: -addr is required");
            System.exit(2);
        }
        final long start = System.nanoTime();
        final long expected = (long) concurrency * count * sizes.length;
        String failCheckResult = "skipped";
        final KitexEchoClientMain run;
        try (RpcClient client = RpcClient.create(ClientOptions.builder().target(address).frameFormat(format)
            .connectionsPerAddress(connections).callTimeout(timeout).build())) {
            run = new KitexEchoClientMain(client);
            run.callConcurrently(sizes, concurrency, count, timeout);
            if (failCheck) {
                failCheckResult = run.checkFail();
                if ("ok".equals(failCheckResult)) {
                    failCheckResult = run.checkBizFail();
                }
            }
        }
        final long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("{\"calls\":%d,\"bytes\":%d,\"failures\":%d,\"expected_calls\":%d,\"fail_check\":%s,"
                + "\"elapsed_ms\":%d,\"reply_int_keys\":%s,\"reply_string_keys\":%s}%n", run.calls.get(),
            run.bytes.get(), run.failures.get(), expected, JsonText.quote(failCheckResult), elapsed,
            JsonText.array(run.replyIntKeys), JsonText.array(run.replyStringKeys));
        System.out.flush();
        Runtime.getRuntime().halt(run.failures.get() == 0 && run.calls.get() == expected ? 0 : 1);
    }

    private void callConcurrently(final int[] sizes, final int concurrency, final int count, final Duration timeout)
        throws InterruptedException {
        final List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            final int caller = c;
            final Thread thread = new Thread(() -> call(caller, sizes, count), "kitex-caller-" + c);
            callers.add(thread);
            thread.start();
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (final Thread thread : callers) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (thread.isAlive()) {
                failure(thread.getName() + " did not finish within " + timeout);
            }
        }
    }

    private void call(final int caller, final int[] sizes, final int count) {
        for (int rep = 0; rep < count; rep++) {
            for (final int size : sizes) {
                final byte[] data = new byte[size];
                EchoThrift.fill(data, ((long) caller << 40) | ((long) size << 8) | rep);
                final String what = "caller " + caller + ", " + size + " bytes, repetition " + rep;
                try {
                    final Response response = client.call(Request.builder(EchoThrift.METHOD_ECHO)
                        .payload(new UnsafeBuffer(EchoThrift.echoArgs(data)))
                        .stringInfo(StringInfoKeys.IDL_SERVICE_NAME, EchoThrift.SERVICE)
                        .intInfo(IntInfoKey.FROM_SERVICE, FROM_SERVICE)
                        .intInfo(IntInfoKey.TO_SERVICE, EchoThrift.SERVICE)
                        .intInfo(IntInfoKey.TO_METHOD, EchoThrift.METHOD_ECHO)
                        .build());
                    replyIntKeys.addAll(response.intInfo().keySet());
                    replyStringKeys.addAll(response.stringInfo().keySet());
                    final byte[] echoed = EchoThrift.decodeEchoResult(response.payload());
                    if (!seqIds.add(response.seqId())) {
                        failure(what + ": seq id " + response.seqId() + " answered twice");
                    } else if (EchoThrift.crc32(echoed) != EchoThrift.crc32(data) || !Arrays.equals(echoed, data)) {
                        failure(what + ": echo differs (" + echoed.length + " bytes back, seq " + response.seqId() + ")");
                    } else {
                        calls.incrementAndGet();
                        bytes.addAndGet(size);
                    }
                } catch (final RpcException | IllegalArgumentException e) {
                    failure(what + ": " + e);
                }
            }
        }
    }

    /** @return "ok", or what was wrong with fail's answer. */
    private String checkFail() {
        final String reason = "java-interop-fail-" + ProcessHandle.current().pid();
        try {
            final Response response = client.call(Request.of(EchoThrift.METHOD_FAIL, EchoThrift.failArgs(reason)));
            failures.incrementAndGet();
            return "fail returned a reply instead of an exception: " + response;
        } catch (final RemoteApplicationException e) {
            if (e.getMessage() == null || !e.getMessage().contains(reason)) {
                failures.incrementAndGet();
                return "the RemoteApplicationException does not carry the reason: " + e.getMessage();
            }
            System.err.println("kitex echo client: fail answered as expected: type " + e.type() + ", " + e.getMessage());
            return "ok";
        } catch (final RpcException e) {
            failures.incrementAndGet();
            return "fail raised " + e + " instead of a RemoteApplicationException";
        }
    }

    /**
     * A Kitex business status error is a normal reply carrying {@code biz-status} and {@code biz-message} string
     * keys: the transport returns it as a {@link Response}, whose keys tell the caller.
     *
     * @return "ok", or what was wrong with bizfail's answer.
     */
    private String checkBizFail() {
        final String reason = "java-interop-bizfail-" + ProcessHandle.current().pid();
        try {
            final Response response = client.call(Request.of(EchoThrift.METHOD_BIZ_FAIL, EchoThrift.failArgs(reason)));
            final String status = response.stringInfo().get(EchoThrift.BIZ_STATUS_KEY);
            final String message = response.stringInfo().get(EchoThrift.BIZ_MESSAGE_KEY);
            if (!Integer.toString(EchoThrift.BIZ_STATUS_CODE).equals(status) || message == null
                || !message.contains(reason)) {
                failures.incrementAndGet();
                return "bizfail's reply has biz-status " + status + " and biz-message " + message + ", want "
                    + EchoThrift.BIZ_STATUS_CODE + " and a message carrying " + reason;
            }
            System.err.println("kitex echo client: bizfail answered as expected: biz-status " + status
                + ", biz-message " + message);
            return "ok";
        } catch (final RpcException e) {
            failures.incrementAndGet();
            return "bizfail raised " + e + " instead of replying with a business status";
        }
    }

    private void failure(final String message) {
        if (failures.incrementAndGet() <= MAX_LOGGED_FAILURES) {
            System.err.println("kitex echo client: " + message);
        }
    }
}
