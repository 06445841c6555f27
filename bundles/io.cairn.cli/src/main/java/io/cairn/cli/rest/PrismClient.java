package io.cairn.cli.rest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * A client of Prism's REST API ({@code https://<server>/api/v1}) for one CLI run: TLS with the
 * cluster CA as the only trust, the admin client certificate or HTTP Basic, the session cookie of the
 * first answer reused for the following requests (Basic is then no longer sent), and redirects from
 * a non-leader followed for every method, keeping method and body (spec 10 §8: 301 for GET, 308
 * otherwise). Error answers ({@code {"code","message"}}) become {@link CliException}s: 403 is
 * "permission denied", anything else the server's message.
 */
final class PrismClient {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String BASE = "/api/v1";
    private static final int MAX_REDIRECTS = 5;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private final HttpClient http;
    private final List<String> servers;
    private final String basic;
    private final String trustSource;
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private String current;

    /**
     * @param servers     {@code host:port} to try in order until one answers (later requests go to the one that did, or
     *                    to the leader it redirected to)
     * @param tls         trusts the cluster CA; holds the client certificate when authenticating by certificate
     * @param basic       the value of the {@code Authorization} header ({@code Basic ...}) or null
     * @param trustSource where the CA came from, for messages
     */
    PrismClient(List<String> servers, SSLContext tls, String basic, String trustSource) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server");
        }
        SSLParameters params = tls.getDefaultSSLParameters();
        params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        this.http = HttpClient.newBuilder().sslContext(tls).sslParameters(params).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
        this.servers = List.copyOf(servers);
        this.basic = basic;
        this.trustSource = trustSource;
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    JsonNode put(String path, JsonNode body) {
        return send("PUT", path, body);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /** Every entity of a list operation, paging through it ({@code query} like {@code filter=spec.name==x}, may be empty). */
    List<JsonNode> list(String path, String query) {
        List<JsonNode> all = new ArrayList<>();
        int offset = 0;
        for (;;) {
            JsonNode page = get(path + "?offset=" + offset + "&limit=1000" + (query.isEmpty() ? "" : "&" + query));
            page.path("entities").forEach(all::add);
            int n = page.path("entities").size();
            offset += n;
            if (n == 0 || offset >= page.path("metadata").path("total").asInt(0)) {
                return all;
            }
        }
    }

    /** Sends one request (following redirects) and answers its JSON body (an empty body is JSON null). */
    JsonNode send(String method, String path, JsonNode body) {
        byte[] bytes = body == null ? null : write(body);
        boolean retriedWithBasic = false;
        List<String> candidates = new ArrayList<>(servers);
        if (current != null) { // the server that answered last (the leader) first, the others if it has gone
            candidates.remove(current);
            candidates.add(0, current);
        }
        String target = null;
        ConnectException unreachable = null;
        for (String server : candidates) {
            try {
                target = server;
                boolean withCookie = !cookies.isEmpty();
                HttpResponse<byte[]> r = exchange(method, URI.create("https://" + server + BASE + path), bytes, true);
                if (r.statusCode() == 401 && !retriedWithBasic && basic != null && withCookie) {
                    cookies.clear(); // the session ended (idle, leader change): log in again, once
                    retriedWithBasic = true;
                    r = exchange(method, r.uri(), bytes, false);
                }
                current = r.uri().getHost() + ":" + port(r.uri());
                return answer(method, path, r);
            } catch (ConnectException e) {
                unreachable = e;
            } catch (HttpTimeoutException e) {
                throw CliException.failed("Prism at " + target + " did not answer " + method + " " + BASE + path + " in time ("
                        + e.getMessage() + ")");
            } catch (SSLException e) {
                throw CliException.failed("refusing the server at " + target + ": its certificate cannot be verified with the cluster CA in "
                        + trustSource + " (" + rootMessage(e) + "); pass the cluster's CA certificate with --cacert FILE");
            } catch (IOException e) {
                if (rootCause(e) instanceof SSLException s) {
                    throw CliException.failed("refusing the server at " + target + ": its certificate cannot be verified with the cluster CA in "
                            + trustSource + " (" + rootMessage(s) + "); pass the cluster's CA certificate with --cacert FILE");
                }
                throw CliException.failed("talking to Prism at " + target + " failed: " + rootMessage(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.failed("interrupted");
            }
        }
        throw CliException.failed("cannot reach Prism at " + String.join(", ", candidates) + " (" + rootMessage(unreachable)
                + "); check the address (--server HOST[:PORT] or CAIRN_PRISM) and that the cluster is up");
    }

    /** One request and the redirects it gets, same method and body each time. */
    private HttpResponse<byte[]> exchange(String method, URI uri, byte[] body, boolean allowCookie)
            throws IOException, InterruptedException {
        URI at = uri;
        for (int hop = 0;; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(at).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
            if (allowCookie && !cookies.isEmpty()) {
                b.header("Cookie", String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
            } else if (basic != null) {
                b.header("Authorization", basic);
            }
            if (body != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            keepCookies(r);
            int s = r.statusCode();
            if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) {
                return r;
            }
            String location = r.headers().firstValue("Location").orElse(null);
            if (location == null) {
                return r;
            }
            if (hop >= MAX_REDIRECTS) {
                throw CliException.failed("Prism keeps redirecting " + method + " " + at.getPath() + " (" + MAX_REDIRECTS + " times, last to "
                        + location + "); is a leader being elected? retry in a few seconds");
            }
            URI next = at.resolve(location);
            if (!"https".equalsIgnoreCase(next.getScheme())) {
                throw CliException.failed("Prism redirected to " + next + ", which is not HTTPS; not following it");
            }
            at = next;
        }
    }

    private void keepCookies(HttpResponse<?> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            String pair = c.split(";", 2)[0];
            int eq = pair.indexOf('=');
            if (eq > 0) {
                String name = pair.substring(0, eq).trim();
                String value = pair.substring(eq + 1).trim();
                if (value.isEmpty()) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
        }
    }

    private static JsonNode answer(String method, String path, HttpResponse<byte[]> r) {
        JsonNode body = NullNode.getInstance();
        if (r.body().length > 0) {
            try {
                body = JSON.readTree(r.body());
            } catch (IOException e) {
                if (r.statusCode() < 400) {
                    throw CliException.failed(method + " " + BASE + path + " answered " + r.statusCode() + " with a body that is not JSON");
                }
            }
        }
        int s = r.statusCode();
        if (s < 300) {
            return body;
        }
        throw error(s, body.path("code").asText(""), body.path("message").asText(""), method + " " + BASE + path);
    }

    /** The CLI's error for an HTTP error answer. */
    static CliException error(int status, String code, String message, String request) {
        if (status == 403) {
            return CliException.failed("permission denied" + (message.isEmpty() ? "" : ": " + message));
        }
        if (status == 401) {
            return CliException.failed("not authenticated" + (message.isEmpty() ? "" : ": " + message)
                    + " (give --user NAME with the right password, or the admin certificate of the admin directory)");
        }
        if (!message.isEmpty()) {
            return CliException.failed(message);
        }
        return CliException.failed(request + " failed with HTTP " + status + (code.isEmpty() ? "" : " " + code));
    }

    private static int port(URI u) {
        return u.getPort() < 0 ? 443 : u.getPort();
    }

    static byte[] write(JsonNode n) {
        try {
            return JSON.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    private static String rootMessage(Throwable t) {
        if (t == null) {
            return "no answer";
        }
        Throwable c = rootCause(t);
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
