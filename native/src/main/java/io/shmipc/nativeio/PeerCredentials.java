package io.shmipc.nativeio;

/**
 * The credentials of the process at the other end of a {@link UnixSocket}, as the kernel recorded them when the
 * connection was made ({@code SO_PEERCRED}); they cannot be forged by the peer.
 *
 * @param pid the peer's process id
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 */
public record PeerCredentials(int pid, int uid, int gid) {
}
