package io.cairn.common.pages;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.cairn.common.error.CairnException;

/**
 * The HTTP server of one service's diagnostic pages, on the JDK's {@code com.sun.net.httpserver}
 * (module {@code jdk.httpserver}; Felix exports it from the boot layer): every request on a virtual
 * thread, at most {@value #MAX_CONCURRENT} at once (more are answered 503), GET and HEAD only.
 * Owned by the component that starts it, which closes it on deactivation.
 */
public final class PageServer implements AutoCloseable {

    /** Requests handled at once; a diagnostic page must never load the node. */
    public static final int MAX_CONCURRENT = 16;

    private final Logger logger = LoggerFactory.getLogger(PageServer.class);
    private final String name;
    private final PageHandler handler;
    private final List<HttpServer> servers = new ArrayList<>();
    private final ExecutorService executor;
    private final Semaphore permits = new Semaphore(MAX_CONCURRENT);

    private PageServer(String name, PageHandler handler) {
        this.name = name;
        this.handler = handler;
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-page-", 0).factory());
    }

    /**
     * Serves {@code handler} on each of {@code addresses} (port 0: any free port).
     *
     * @throws IOException when an address cannot be bound (e.g. the port is in use); nothing stays open
     */
    public static PageServer start(String name, PageHandler handler, List<InetSocketAddress> addresses) throws IOException {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("the " + name + " pages need at least one address to listen on");
        }
        PageServer s = new PageServer(name, handler);
        try {
            for (InetSocketAddress a : addresses) {
                HttpServer h;
                try {
                    h = HttpServer.create(a, 0);
                } catch (IOException e) {
                    throw new IOException("the " + name + " pages cannot listen on " + a.getHostString() + ":" + a.getPort() + ": "
                            + e.getMessage(), e);
                }
                h.setExecutor(s.executor);
                h.createContext("/", s::exchange);
                h.start();
                s.servers.add(h);
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The addresses actually bound (with the port chosen when 0 was asked). */
    public List<InetSocketAddress> addresses() {
        return servers.stream().map(HttpServer::getAddress).toList();
    }

    /** Stops listening at once; requests in progress are cut off. */
    @Override
    public void close() {
        for (HttpServer h : servers) {
            h.stop(0);
        }
        executor.shutdownNow();
    }

    private void exchange(HttpExchange x) {
        try (x) { // closing drains a small request body, or drops the connection
            if (!permits.tryAcquire()) {
                send(x, PageResponse.text(503, "the " + name + " pages are busy; try again in a moment\n"));
                return;
            }
            try {
                send(x, answer(x));
            } finally {
                permits.release();
            }
        } catch (IOException e) {
            logger.debug("{} page request from {} ended early: {}", name, x.getRemoteAddress(), e.toString());
        }
    }

    private PageResponse answer(HttpExchange x) {
        String method = x.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return new PageResponse(405, PageResponse.TEXT, (method + " is not allowed here; the pages answer GET and HEAD\n")
                    .getBytes(StandardCharsets.UTF_8), Map.of("Allow", "GET, HEAD"));
        }
        String rawPath = x.getRequestURI().getRawPath();
        String rawQuery = x.getRequestURI().getRawQuery();
        PageRequest request;
        try {
            request = new PageRequest(method, x.getRequestURI().getPath(), query(rawQuery),
                    rawPath + (rawQuery == null ? "" : "?" + rawQuery));
        } catch (IllegalArgumentException e) {
            return PageResponse.text(400, "the query is not valid URL encoding: " + e.getMessage() + "\n");
        }
        try {
            PageResponse r = handler.handle(request);
            if (r == null) {
                throw new IllegalStateException("the handler answered nothing for " + request.path());
            }
            return r;
        } catch (CairnException e) {
            return PageResponse.text(e.code().httpStatus(), e.getMessage() + "\n");
        } catch (Exception e) {
            logger.warn("{} page {} failed", name, request.path(), e);
            return PageResponse.text(500, "internal error: " + e + "\n");
        }
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static void send(HttpExchange x, PageResponse r) throws IOException {
        Headers h = x.getResponseHeaders();
        h.set("Content-Type", r.contentType());
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        if (r.contentType().startsWith("text/html")) {
            h.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'");
        }
        r.headers().forEach(h::set);
        boolean head = x.getRequestMethod().equals("HEAD");
        // -1: no body; 0 would mean chunked
        x.sendResponseHeaders(r.status(), head || r.body().length == 0 ? -1 : r.body().length);
        if (!head && r.body().length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(r.body());
            }
        }
    }
}
