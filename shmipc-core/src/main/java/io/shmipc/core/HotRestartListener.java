package io.shmipc.core;

/**
 * Receives a session's hot-restart control events once {@link Session} has checked their direction and length:
 * HotRestart(epoch) on a client session (its {@link SessionPool} migrates it), HotRestartAck(epoch) on a server
 * session (its {@link ShmServer}'s restart in progress counts it). Called on the session's control thread: must not
 * block on the session's own traffic.
 */
@FunctionalInterface
interface HotRestartListener {
    /** Body length of both events: one big-endian u64 epoch. */
    int EPOCH_LENGTH = 8;

    /**
     * @param session the session the event arrived on
     * @param epoch   the epoch it carries (unsigned)
     * @throws ProtocolViolationException if the event does not fit what this side sent or expects; the session then
     *                                    ends like on any other hostile input
     */
    void onEpochEvent(Session session, long epoch) throws ProtocolViolationException;
}
