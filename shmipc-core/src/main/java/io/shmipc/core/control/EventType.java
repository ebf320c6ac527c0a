package io.shmipc.core.control;

/** Control-connection event types, by their wire code. */
public enum EventType {
    SHARE_MEMORY_BY_FILE_PATH(0),
    POLLING(1),
    STREAM_CLOSE(2),
    FALLBACK_DATA(3),
    EXCHANGE_PROTO_VERSION(4),
    SHARE_MEMORY_BY_MEMFD(5),
    ACK_SHARE_MEMORY(6),
    ACK_READY_RECV_FD(7),
    HOT_RESTART(8),
    HOT_RESTART_ACK(9);

    private static final EventType[] BY_CODE = values();

    private final int code;

    EventType(final int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a wire code, or null for an unknown one. */
    public static EventType of(final int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Types a peer may send once the handshake is over. */
    public boolean validAfterHandshake() {
        return this == POLLING || this == STREAM_CLOSE || this == FALLBACK_DATA || this == HOT_RESTART
            || this == HOT_RESTART_ACK;
    }
}
