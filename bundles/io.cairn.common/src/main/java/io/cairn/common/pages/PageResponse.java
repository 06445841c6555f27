package io.cairn.common.pages;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to a {@link PageRequest}: status, content type, body and extra headers. The server adds
 * {@code Cache-Control: no-store}, {@code X-Content-Type-Options: nosniff} and, for HTML, a
 * Content-Security-Policy that allows no scripts.
 */
public record PageResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    public static final String HTML = "text/html; charset=utf-8";
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    public PageResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status " + status + " is out of range");
        }
        Objects.requireNonNull(contentType, "contentType");
        body = body == null ? new byte[0] : body;
        headers = Map.copyOf(headers);
    }

    public static PageResponse html(HtmlPage page) {
        return new PageResponse(200, HTML, page.render().getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public static PageResponse json(byte[] body) {
        return new PageResponse(200, JSON, body, Map.of());
    }

    public static PageResponse text(int status, String text) {
        return new PageResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** 307: the same request (method included) at {@code location}, e.g. the same page on the leader. */
    public static PageResponse temporaryRedirect(String location) {
        return new PageResponse(307, TEXT, ("see " + location + "\n").getBytes(StandardCharsets.UTF_8), Map.of("Location", location));
    }

    public static PageResponse notFound(String path) {
        return text(404, "no page " + path + " here\n");
    }
}
