package io.shmipc.transport.codec;

/**
 * The integer info keys of a TTHeader ({@code 0x10} block), numbered as Kitex numbers them.
 */
public enum IntInfoKey
{
    MESH_VERSION,
    TRANSPORT_TYPE,
    LOG_ID,
    FROM_SERVICE,
    FROM_CLUSTER,
    FROM_IDC,
    TO_SERVICE,
    TO_CLUSTER,
    TO_IDC,
    TO_METHOD,
    ENV,
    DEST_ADDRESS,
    RPC_TIMEOUT,
    READ_TIMEOUT,
    RING_HASH_KEY,
    DDP_TAG,
    WITH_MESH_HEADER,
    CONNECT_TIMEOUT,
    SPAN_CONTEXT,
    SHORT_CONNECTION,
    FROM_METHOD,
    STRESS_TAG,
    MSG_TYPE,
    HTTP_CONTENT_TYPE,
    RAW_RING_HASH_KEY,
    LB_TYPE,
    CLUSTER_SHARD_ID,
    FRAME_TYPE;

    private static final IntInfoKey[] BY_ID = values();

    /**
     * @return the u16 key written on the wire.
     */
    public int id()
    {
        return ordinal();
    }

    /**
     * @param id a u16 key read from the wire.
     * @return the named key, or {@code null} when the id is not one Kitex defines (such keys are still carried).
     */
    public static IntInfoKey fromId(final int id)
    {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
