package io.shmipc.bench.peer;

/**
 * The line protocol between a forked peer's stdout and the harness. Every other line is ignored (libraries may
 * print), so each line the harness acts on starts with one of these prefixes.
 */
public final class PeerProtocol
{
    /** A server is ready; the rest of the line is its endpoint. */
    public static final String READY = "READY ";
    /** A measured point: the rest of the line is the JSON of a {@link io.shmipc.bench.BenchResult}. */
    public static final String RESULT = "RESULT ";
    /** What the peer is doing now, for the progress line. */
    public static final String PROGRESS = "PROGRESS ";
    /** The peer failed; the rest of the line says why. */
    public static final String ERROR = "ERROR ";

    /** Exit code of a peer that found a payload mismatch. */
    public static final int EXIT_MISMATCH = 3;
    /** Exit code of a peer that failed otherwise. */
    public static final int EXIT_FAILURE = 2;

    /** Role argument of a server peer. */
    public static final String ROLE_SERVER = "server";
    /** Role argument of a client peer. */
    public static final String ROLE_CLIENT = "client";

    private PeerProtocol()
    {
    }
}
