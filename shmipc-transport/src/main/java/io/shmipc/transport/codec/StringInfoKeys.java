package io.shmipc.transport.codec;

/**
 * String info keys ({@code 0x01} block) seen in practice between Kitex peers.
 */
public final class StringInfoKeys
{
    /** IDL service name. */
    public static final String IDL_SERVICE_NAME = "isn";
    /** Remote IP as seen by a proxy. */
    public static final String REMOTE_IP = "rip";
    /** Set by a server to ask the client to stop using the connection (for example while it drains). */
    public static final String CONNECTION_RESET = "crrst";
    /** Transit tag. */
    public static final String TC = "tc";
    /** Transit info. */
    public static final String TI = "ti";

    private StringInfoKeys()
    {
    }
}
