package io.shmipc.core;

/** Called by a server for every stream a client opens. Runs on the server's handler executor; may block. */
@FunctionalInterface
public interface StreamHandler {
    void onStream(Stream stream);
}
