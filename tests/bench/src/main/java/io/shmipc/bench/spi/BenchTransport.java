package io.shmipc.bench.spi;

import io.shmipc.bench.Scenario;

/**
 * A transport the harness can measure: one implementation per transport, registered in
 * {@link io.shmipc.bench.transport.Transports}.
 * <p>
 * The harness forks two JVMs per measurement. The server JVM calls {@link #startServer}, prints the returned
 * {@link BenchServer#endpoint() endpoint} and serves until told to stop; the client JVM calls {@link #connect} with
 * that endpoint and drives the scenario through the {@link BenchClient}. For the {@link Scenario#CHAIN chain}
 * scenario a middle server is started whose {@link RequestHandler} calls the next server through this same
 * transport's {@link #connect}, so a transport supports chain by saying so in {@link #supports}.
 * <p>
 * A transport whose peer is not a JVM (a Go program, say) implements {@link SelfMeasuringTransport} instead.
 */
public interface BenchTransport
{
    /**
     * @return the name used on the command line and in reports, e.g. {@code "tcp"}.
     */
    String name();

    /**
     * Checks whether this transport can run on this machine and build.
     *
     * @return {@code null} when the transport can run, otherwise the reason it cannot, shown in the report.
     */
    String unavailableReason();

    /**
     * @param scenario a scenario.
     * @return true when this transport implements the scenario.
     */
    boolean supports(Scenario scenario);

    /**
     * Starts serving in this (server) JVM. Called once per server process.
     *
     * @param settings what the server must be able to carry.
     * @param handlers makes one {@link RequestHandler} per connection or stream the server accepts.
     * @return the running server; closed by the caller.
     * @throws Exception when the server cannot start.
     */
    BenchServer startServer(TransportSettings settings, RequestHandler.Factory handlers) throws Exception;

    /**
     * Connects to a server started by {@link #startServer} in another process.
     *
     * @param settings what the client must be able to carry; {@link TransportSettings#streams()} streams.
     * @param endpoint the server's {@link BenchServer#endpoint()}.
     * @return a connected client; closed by the caller.
     * @throws Exception when the connection cannot be made.
     */
    BenchClient connect(TransportSettings settings, String endpoint) throws Exception;

    /**
     * The least warm-up before a client's first point, for a transport whose hot path is so much code that the short
     * warm-up of a quick run leaves it interpreted (the measurement would then be of the JIT, not the transport).
     *
     * @return milliseconds; 0 to take the run's own warm-up.
     */
    default long minInitialWarmupMillis()
    {
        return 0;
    }
}
