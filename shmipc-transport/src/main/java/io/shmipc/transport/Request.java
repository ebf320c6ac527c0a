package io.shmipc.transport;

import io.shmipc.transport.codec.FrameFormat;
import io.shmipc.transport.codec.FrameHead;
import io.shmipc.transport.codec.InfoKeys;
import io.shmipc.transport.codec.IntInfoKey;
import io.shmipc.transport.codec.RpcFrame;
import io.shmipc.transport.codec.ThriftMessageType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A call to make: method, payload, TTHeader info keys and an optional per-call timeout. Immutable; the payload
 * buffer is read (once, into the outbound frame) when the call is written, so it must not change until the call's
 * future completes.
 * <p>
 * A request sent more than once keeps its frame head encoded ({@link FrameHead}): from its second call on, the head
 * is copied rather than encoded field by field.
 */
public final class Request
{
    private static final DirectBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final String method;
    private final DirectBuffer payload;
    private final InfoKeys info;
    private final String aclToken;
    private final Duration timeout;
    private final boolean hasSeqId;
    private final int seqId;
    /** The head encoded for this request's last format and message type; written racily, every value is valid. */
    private FrameHead head;
    /** Sends without a head so far: a request sent once is never worth one. Racy, so approximate. */
    private int sendsWithoutHead;

    private Request(final Builder builder)
    {
        this.hasSeqId = builder.hasSeqId;
        this.seqId = builder.seqId;
        this.method = builder.method;
        this.payload = builder.payload;
        this.info = InfoKeys.of(builder.intInfo, builder.stringInfo);
        this.aclToken = builder.aclToken;
        this.timeout = builder.timeout;
    }

    /**
     * @param method  the method name.
     * @param payload the payload: all of its capacity is sent.
     * @return a request without info keys.
     */
    public static Request of(final String method, final DirectBuffer payload)
    {
        return builder(method).payload(payload).build();
    }

    /**
     * @param method  the method name.
     * @param payload the payload bytes (not copied).
     * @return a request without info keys.
     */
    public static Request of(final String method, final byte[] payload)
    {
        return builder(method).payload(new UnsafeBuffer(payload)).build();
    }

    /**
     * @param method the method name.
     * @return a builder.
     */
    public static Builder builder(final String method)
    {
        return new Builder(method);
    }

    /**
     * @return the method name.
     */
    public String method()
    {
        return method;
    }

    /**
     * @return the payload, exactly {@code capacity()} bytes.
     */
    public DirectBuffer payload()
    {
        return payload;
    }

    /**
     * @return string info keys to send, unmodifiable.
     */
    public Map<String, String> stringInfo()
    {
        return info.stringInfo();
    }

    /**
     * @return integer info keys to send, unmodifiable.
     */
    public Map<Integer, String> intInfo()
    {
        return info.intInfo();
    }

    /**
     * @return all info keys to send, encoded once however often the request is sent.
     */
    public InfoKeys info()
    {
        return info;
    }

    /**
     * @return the TTHeader ACL token to send, or {@code null} for none.
     */
    public String aclToken()
    {
        return aclToken;
    }

    /**
     * @return this call's timeout, or {@code null} to use the client's.
     */
    public Duration timeout()
    {
        return timeout;
    }

    /**
     * @return whether the caller chose this call's seq id ({@link Builder#seqId(int)}).
     */
    public boolean hasSeqId()
    {
        return hasSeqId;
    }

    /**
     * @return the seq id the caller chose; meaningful only when {@link #hasSeqId()}.
     */
    public int seqId()
    {
        return seqId;
    }

    /**
     * @return the head kept for this request's frame in {@code format} as {@code type}, or {@code null} when none is.
     */
    FrameHead knownHead(final FrameFormat format, final ThriftMessageType type)
    {
        final FrameHead known = head;
        return known != null && known.format() == format && known.messageType() == type ? known : null;
    }

    /**
     * The head of this request's frame in {@code format} as {@code type}, encoded on its second send and kept, or
     * {@code null} on its first (or when the head does not fit the format).
     *
     * @param frame the frame just built from this request, in that format and type, without keys added since.
     */
    FrameHead head(final RpcFrame frame)
    {
        final FrameHead known = knownHead(frame.format(), frame.messageType());
        if (known != null)
        {
            return known;
        }
        if (sendsWithoutHead++ == 0)
        {
            return null;
        }
        try
        {
            final FrameHead made = FrameHead.of(frame);
            head = made;
            return made;
        }
        catch (final IllegalArgumentException ex)
        {
            // Too large for the format: encoding the frame says so.
            return null;
        }
    }

    /**
     * Builds a {@link Request}.
     */
    public static final class Builder
    {
        private final String method;
        private DirectBuffer payload = EMPTY;
        private final Map<String, String> stringInfo = new LinkedHashMap<>();
        private final Map<Integer, String> intInfo = new TreeMap<>();
        private String aclToken;
        private Duration timeout;
        private boolean hasSeqId;
        private int seqId;

        private Builder(final String method)
        {
            this.method = Objects.requireNonNull(method, "method");
        }

        /**
         * @param payload all of its capacity is sent.
         * @return this.
         */
        public Builder payload(final DirectBuffer payload)
        {
            this.payload = Objects.requireNonNull(payload, "payload");
            return this;
        }

        /**
         * @param buffer holds the payload.
         * @param offset where it starts.
         * @param length its length.
         * @return this.
         */
        public Builder payload(final DirectBuffer buffer, final int offset, final int length)
        {
            this.payload = new UnsafeBuffer(buffer, offset, length);
            return this;
        }

        /**
         * @param key   a string info key ({@link io.shmipc.transport.codec.StringInfoKeys}).
         * @param value its value.
         * @return this.
         */
        public Builder stringInfo(final String key, final String value)
        {
            stringInfo.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * @param key   a named integer info key.
         * @param value its value.
         * @return this.
         */
        public Builder intInfo(final IntInfoKey key, final String value)
        {
            intInfo.put(key.id(), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * An integer info key by its u16 id, named or not: what a proxy uses to pass on every key it received.
         *
         * @param id    the key's id, 0 to 65535.
         * @param value its value.
         * @return this.
         */
        public Builder intInfo(final int id, final String value)
        {
            if ((id & ~0xFFFF) != 0)
            {
                throw new IllegalArgumentException("integer info key " + id + " does not fit u16");
            }
            intInfo.put(id, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * @param aclToken the TTHeader ACL token to send (info id 0x11), {@code null} for none. Sent with TTHeader
         *                 framing only.
         * @return this.
         */
        public Builder aclToken(final String aclToken)
        {
            this.aclToken = aclToken;
            return this;
        }

        /**
         * @param timeout this call's deadline, measured from the call; overrides the client's call timeout.
         * @return this.
         */
        public Builder timeout(final Duration timeout)
        {
            if (timeout.isNegative() || timeout.isZero())
            {
                throw new IllegalArgumentException("call timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Send the call with this seq id instead of one the client numbers itself, e.g. a proxy that keeps the seq
         * id of the call it relays. The client refuses the call (an {@link RpcException}) while another call with
         * the same seq id is in flight on it.
         *
         * @param seqId the seq id to send.
         * @return this.
         */
        public Builder seqId(final int seqId)
        {
            this.hasSeqId = true;
            this.seqId = seqId;
            return this;
        }

        /**
         * @return the request.
         */
        public Request build()
        {
            return new Request(this);
        }
    }
}
