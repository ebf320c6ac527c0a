package io.shmipc.sidecar;

import io.shmipc.transport.codec.ApplicationExceptionCodec;

/**
 * Why the bridge answered a call with a Thrift application exception instead of forwarding the upstream's reply.
 * The label appears in the reply's message ({@code sidecar: <label>: ...}) and in {@code /metrics}.
 */
public enum FailureReason
{
    /** No route matched the request's ToService / ToCluster / DestAddress. */
    NO_ROUTE("no_route", ApplicationExceptionCodec.INTERNAL_ERROR),
    /** The upstream (or local app) refused or did not answer the connect. */
    UNREACHABLE("unreachable", ApplicationExceptionCodec.INTERNAL_ERROR),
    /** The reply did not arrive within the call's RPCTimeout (or the bridge's call timeout). */
    TIMEOUT("timeout", ApplicationExceptionCodec.INTERNAL_ERROR),
    /** The connection to the upstream broke while the call was in flight (it died, or sent a malformed frame). */
    CONNECTION_LOST("connection_lost", ApplicationExceptionCodec.INTERNAL_ERROR),
    /** The request's routing or timeout keys cannot be understood. */
    MALFORMED_REQUEST("malformed_request", ApplicationExceptionCodec.PROTOCOL_ERROR),
    /** The upstream itself answered with an application exception; its type and text are relayed. */
    UPSTREAM_EXCEPTION("upstream_exception", ApplicationExceptionCodec.UNKNOWN),
    /** Anything else the forwarding failed on. */
    FORWARD_FAILED("forward_failed", ApplicationExceptionCodec.INTERNAL_ERROR);

    private final String label;
    private final int exceptionType;

    FailureReason(final String label, final int exceptionType)
    {
        this.label = label;
        this.exceptionType = exceptionType;
    }

    /**
     * @return the short name used in messages and metrics.
     */
    public String label()
    {
        return label;
    }

    /**
     * @return the {@code TApplicationException} type code the caller receives.
     */
    public int exceptionType()
    {
        return exceptionType;
    }
}
