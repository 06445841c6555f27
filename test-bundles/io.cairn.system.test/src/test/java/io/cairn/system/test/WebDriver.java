package io.cairn.system.test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver protocol (plain HTTP and JSON):
 * enough to fill fields, click and read text. The browser runs with a fresh profile and without
 * background networking (the machine has no internet); {@link #close()} ends the session and
 * stops chromedriver.
 */
final class WebDriver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

    private final Process driver;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String session;

    WebDriver(Path work) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = work.resolve("chromedriver.log");
        driver = new ProcessBuilder("chromedriver", "--port=" + port, "--log-path=" + log).redirectErrorStream(true)
                .redirectOutput(work.resolve("chromedriver.out").toFile()).start();
        base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (;;) {
            try {
                if (call("GET", "/status", null).path("value").path("ready").asBoolean()) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                driver.destroyForcibly();
                throw new AssertionError("chromedriver did not get ready within 30 s; see " + log);
            }
            Thread.sleep(100);
        }
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        Map<String, Object> options = Map.of("binary", "/usr/bin/chromium", "args", List.of("--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        JsonNode s = call("POST", "/session", Map.of("capabilities", Map.of("alwaysMatch", Map.of("browserName", "chrome",
                "goog:chromeOptions", options))));
        session = s.path("value").path("sessionId").asText();
        if (session.isEmpty()) {
            close();
            throw new AssertionError("chromedriver did not open a session: " + s);
        }
    }

    private JsonNode call(String method, String path, Object body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).header("Content-Type", "application/json");
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode j = JSON.readTree(r.body());
            if (r.statusCode() >= 400) {
                throw new IOException("WebDriver " + method + " " + path + ": " + r.statusCode() + " " + j.path("value").path("message").asText());
            }
            return j;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    void open(String url) throws IOException {
        call("POST", "/session/" + session + "/url", Map.of("url", url));
    }

    private String element(String css) throws IOException {
        return call("POST", "/session/" + session + "/element", Map.of("using", "css selector", "value", css)).path("value").path(ELEMENT).asText();
    }

    void click(String css) throws IOException {
        call("POST", "/session/" + session + "/element/" + element(css) + "/click", Map.of());
    }

    void type(String css, String text) throws IOException {
        String e = element(css);
        call("POST", "/session/" + session + "/element/" + e + "/clear", Map.of());
        call("POST", "/session/" + session + "/element/" + e + "/value", Map.of("text", text));
    }

    String text(String css) throws IOException {
        return call("GET", "/session/" + session + "/element/" + element(css) + "/text", null).path("value").asText();
    }

    /** The text of an element whether or not it is shown (WebDriver's text is empty for hidden ones). */
    String textContent(String css) throws IOException {
        return script("const e = document.querySelector('" + css + "'); return e ? e.textContent : '';").asText();
    }

    /** Runs {@code script} in the page (its {@code return} value as JSON). */
    JsonNode script(String script) throws IOException {
        return call("POST", "/session/" + session + "/execute/sync", Map.of("script", script, "args", List.of())).path("value");
    }

    boolean visible(String css) throws IOException {
        return script("const e = document.querySelector('" + css + "'); return !!e && !e.closest('[hidden]') && e.offsetParent !== null;")
                .asBoolean();
    }

    void waitFor(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (IOException | RuntimeException e) {
            // the driver is stopped below anyway
        } finally {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
        }
    }
}
