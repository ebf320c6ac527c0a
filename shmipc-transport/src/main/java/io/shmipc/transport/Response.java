package io.shmipc.transport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Collections;
import java.util.Map;

/**
 * A successful reply: seq id, method, the server's TTHeader info keys, the payload and the path the call took.
 * Responses returned by {@link RpcClient#call(Request)} own a copy of their payload; the one a
 * {@link ResponseDecoder} sees borrows the transport's memory for the length of the decode.
 */
public final class Response
{
    private final int seqId;
    private final String method;
    private final Map<String, String> stringInfo;
    private final Map<Integer, String> intInfo;
    private final DirectBuffer payload;
    private final CallInfo callInfo;

    Response(
        final int seqId,
        final String method,
        final Map<String, String> stringInfo,
        final Map<Integer, String> intInfo,
        final DirectBuffer payload,
        final CallInfo callInfo)
    {
        this.seqId = seqId;
        this.method = method;
        this.stringInfo = stringInfo.isEmpty() ? Map.of() : Collections.unmodifiableMap(stringInfo);
        this.intInfo = intInfo.isEmpty() ? Map.of() : Collections.unmodifiableMap(intInfo);
        this.payload = payload;
        this.callInfo = callInfo;
    }

    /**
     * A copy whose payload is on the Java heap and outlives the transport's buffer. This is the one copy the
     * convenient {@link RpcClient#call(Request)} makes; a {@link ResponseDecoder} avoids it.
     *
     * @param response a response, possibly borrowing transport memory.
     * @return an owning copy.
     */
    public static Response copyOf(final Response response)
    {
        final byte[] bytes = new byte[response.payload.capacity()];
        response.payload.getBytes(0, bytes);
        return new Response(response.seqId, response.method, response.stringInfo, response.intInfo,
            new UnsafeBuffer(bytes), response.callInfo);
    }

    /**
     * @return the seq id that correlated the reply with its call.
     */
    public int seqId()
    {
        return seqId;
    }

    /**
     * @return the method named in the reply.
     */
    public String method()
    {
        return method;
    }

    /**
     * @return the server's string info keys.
     */
    public Map<String, String> stringInfo()
    {
        return stringInfo;
    }

    /**
     * @return the server's integer info keys.
     */
    public Map<Integer, String> intInfo()
    {
        return intInfo;
    }

    /**
     * @return the payload, exactly {@code capacity()} bytes.
     */
    public DirectBuffer payload()
    {
        return payload;
    }

    /**
     * @return the path the call took.
     */
    public CallInfo callInfo()
    {
        return callInfo;
    }

    @Override
    public String toString()
    {
        return "Response{" + method + " seq " + seqId + ", " + payload.capacity() + " bytes via " + callInfo + '}';
    }
}
