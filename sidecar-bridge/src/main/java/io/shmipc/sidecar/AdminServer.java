package io.shmipc.sidecar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.shmipc.transport.tcp.TcpAddresses;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The local operations endpoint: {@code GET /health} (200 "ok" while serving, 503 "draining" during shutdown) and
 * {@code GET /metrics} (Prometheus text format 0.0.4). One thread; meant for a scraper and a liveness probe.
 */
final class AdminServer implements AutoCloseable
{
    private static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final int OK = 200;
    private static final int UNAVAILABLE = 503;
    private static final int NOT_ALLOWED = 405;

    private final HttpServer server;
    private final ExecutorService thread;

    AdminServer(final String address, final BooleanSupplier healthy, final Supplier<String> metrics)
    {
        final InetSocketAddress bind = TcpAddresses.parse(address);
        try
        {
            server = HttpServer.create(bind, 0);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot listen for /health and /metrics on " + address + ": " + ex, ex);
        }
        server.createContext("/health", exchange -> respond(exchange,
            healthy.getAsBoolean() ? OK : UNAVAILABLE, "text/plain; charset=utf-8",
            healthy.getAsBoolean() ? "ok\n" : "draining\n"));
        server.createContext("/metrics", exchange -> respond(exchange, OK, PROMETHEUS_CONTENT_TYPE, metrics.get()));
        thread = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "shmipc-sidecar-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.start();
    }

    /**
     * @return the bound address as {@code host:port}.
     */
    String address()
    {
        return TcpAddresses.format(server.getAddress());
    }

    private static void respond(final HttpExchange exchange, final int status, final String contentType,
        final String body) throws IOException
    {
        try (exchange)
        {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod()))
            {
                exchange.sendResponseHeaders(NOT_ALLOWED, -1);
                return;
            }
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
        thread.shutdownNow();
    }
}
