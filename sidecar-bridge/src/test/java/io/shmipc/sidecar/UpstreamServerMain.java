package io.shmipc.sidecar;

import io.shmipc.transport.ChecksumEcho;
import io.shmipc.transport.RpcServer;
import io.shmipc.transport.ServerOptions;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.StringInfoKeys;

import java.time.Duration;

/**
 * The remote service of the end-to-end tests, run in its own JVM on loopback TCP. Methods: {@code echo} (checks
 * and answers a {@link ChecksumEcho} request, reporting the {@code rip} and seq id it saw in reply keys),
 * {@code slow} (the same after {@value #SLOW_MILLIS} ms, announced by a {@code SLOW STARTED} line as it begins),
 * {@code fail} (throws). Prints {@code UPSTREAM READY host:port}; stops when its stdin closes.
 */
public final class UpstreamServerMain
{
    static final String READY = "UPSTREAM READY";
    static final long SLOW_MILLIS = 1_500;
    /** Printed as a slow call begins: a test can act while it is surely in flight here. */
    static final String SLOW_STARTED = "SLOW STARTED";
    static final String SEEN_RIP = "seen-rip";
    static final String SERVED_BY = "served-by";
    static final String SEEN_SEQ = "seen-seq";
    /** Response string key: the ACL token the upstream received, if any. */
    static final String SEEN_ACL = "seen-acl";

    private UpstreamServerMain()
    {
    }

    /**
     * @param args {@code host:port} to listen on.
     */
    public static void main(final String[] args) throws Exception
    {
        final String pid = Long.toString(ProcessHandle.current().pid());
        final ServerOptions.Builder options = ServerOptions.builder((context, request) ->
        {
            switch (context.method())
            {
                case "slow" ->
                {
                    System.out.println(SLOW_STARTED);
                    System.out.flush();
                    Thread.sleep(SLOW_MILLIS);
                }
                case "fail" -> throw new IllegalStateException("upstream refuses this call");
                default ->
                {
                }
            }
            final String rip = context.stringInfo().get(StringInfoKeys.REMOTE_IP);
            if (rip != null)
            {
                context.putResponseStringInfo(SEEN_RIP, rip);
            }
            if (context.aclToken() != null)
            {
                context.putResponseStringInfo(SEEN_ACL, context.aclToken());
            }
            // Keys no IntInfoKey names go back as they came, so a test sees they crossed the bridge both ways.
            context.intInfo().forEach((id, value) ->
            {
                if (IntInfoKey.fromId(id) == null)
                {
                    context.putResponseIntInfo(id, value);
                }
            });
            context.putResponseStringInfo(SERVED_BY, pid);
            context.putResponseStringInfo(SEEN_SEQ, Integer.toString(context.seqId()));
            return ChecksumEcho.respond(request);
        }).tcpAddress(args[0]).executorThreads(80).drainTimeout(Duration.ofSeconds(2));
        options.shm().enabled(false);
        try (RpcServer server = RpcServer.start(options.build()))
        {
            System.out.println(READY + " " + server.tcpAddress());
            System.out.flush();
            while (System.in.read() >= 0)
            {
                // run until the parent closes our stdin
            }
        }
    }
}
