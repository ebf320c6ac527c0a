package io.shmipc.transport;

import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.TTHeader;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link RpcHandler} knows about the call it serves, and where it puts info keys for the reply. Valid only
 * during {@link RpcHandler#handle}.
 */
public final class RequestContext
{
    private final int seqId;
    private final String method;
    private final FrameFormat format;
    private final TTHeader requestHeader;
    private final CallInfo callInfo;
    /** Created when the handler adds the first key: most replies carry none. */
    private TTHeader responseHeader;

    RequestContext(
        final int seqId,
        final String method,
        final FrameFormat format,
        final TTHeader requestHeader,
        final CallInfo callInfo)
    {
        this.seqId = seqId;
        this.method = method;
        this.format = format;
        this.requestHeader = requestHeader;
        this.callInfo = callInfo;
    }

    /**
     * @return the call's seq id.
     */
    public int seqId()
    {
        return seqId;
    }

    /**
     * @return the method called.
     */
    public String method()
    {
        return method;
    }

    /**
     * @return how the request was framed; the reply uses the same framing.
     */
    public FrameFormat format()
    {
        return format;
    }

    /**
     * @return the request's string info keys.
     */
    public Map<String, String> stringInfo()
    {
        return readOnly(requestHeader.stringInfoView());
    }

    /**
     * @return the request's integer info keys.
     */
    public Map<Integer, String> intInfo()
    {
        return readOnly(requestHeader.intInfoView());
    }

    /**
     * @param key a named integer key.
     * @return its value in the request, or {@code null}.
     */
    public String intInfo(final IntInfoKey key)
    {
        return requestHeader.intInfo(key);
    }

    /**
     * @return the request's TTHeader ACL token, or {@code null} when it carried none.
     */
    public String aclToken()
    {
        return requestHeader.aclToken();
    }

    /**
     * @return the path the call arrived on: transport and the peer's address.
     */
    public CallInfo callInfo()
    {
        return callInfo;
    }

    /**
     * Add a string info key to the reply (ignored when the request came framed without a TTHeader).
     *
     * @param key   the key.
     * @param value the value.
     */
    public void putResponseStringInfo(final String key, final String value)
    {
        responseHeader().putStringInfo(key, value);
    }

    /**
     * Add an integer info key to the reply (ignored when the request came framed without a TTHeader).
     *
     * @param key   the key.
     * @param value the value.
     */
    public void putResponseIntInfo(final IntInfoKey key, final String value)
    {
        responseHeader().putIntInfo(key, value);
    }

    /**
     * Add an integer info key to the reply by its u16 id, named or not (ignored when the request came framed
     * without a TTHeader).
     *
     * @param id    the key's id, 0 to 65535.
     * @param value its value.
     */
    public void putResponseIntInfo(final int id, final String value)
    {
        if ((id & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("integer info key " + id + " does not fit u16");
        }
        responseHeader().intInfo().put(id, Objects.requireNonNull(value, "value"));
    }

    private TTHeader responseHeader()
    {
        if (responseHeader == null)
        {
            responseHeader = new TTHeader();
        }
        return responseHeader;
    }

    /**
     * @return the keys the handler added for the reply, or {@code null} when it added none.
     */
    TTHeader responseHeaderOrNull()
    {
        return responseHeader;
    }

    private static <K> Map<K, String> readOnly(final Map<K, String> keys)
    {
        return keys.isEmpty() ? Map.of() : Collections.unmodifiableMap(keys);
    }
}
