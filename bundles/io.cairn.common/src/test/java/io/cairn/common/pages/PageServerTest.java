package io.cairn.common.pages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

class PageServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private PageServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    String base() {
        InetSocketAddress a = server.addresses().getFirst();
        return "http://" + a.getHostString() + ":" + a.getPort();
    }

    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10));
        b = method.equals("GET") ? b.GET() : b.method(method, HttpRequest.BodyPublishers.noBody());
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status line the server answers to a hand-written request line (one a well-behaved client cannot send). */
    String rawStatusLine(String requestLine) throws IOException {
        InetSocketAddress a = server.addresses().getFirst();
        try (java.net.Socket s = new java.net.Socket(a.getAddress(), a.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((requestLine + "\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    PageServer start(PageHandler h) throws IOException {
        server = PageServer.start("test", h, List.of(new InetSocketAddress("127.0.0.1", 0)));
        return server;
    }

    @Test
    void givenAHandler_whenAPageIsFetched_thenItGetsTheDecodedPathAndQueryAndTheRawForm() throws Exception {
        start(r -> PageResponse.text(200, r.method() + " " + r.path() + " " + r.query() + " " + r.pathAndQuery() + " json=" + r.json()));
        HttpResponse<String> r = send("GET", "/a%20b/c?x=1%2B2&y=%3Cz%3E&x=3&format=json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("GET /a b/c {x=1+2, y=<z>, format=json} /a%20b/c?x=1%2B2&y=%3Cz%3E&x=3&format=json json=true");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void givenHtml_thenItCarriesAContentSecurityPolicyWithoutScripts() throws Exception {
        start(r -> PageResponse.html(new HtmlPage("t").paragraph("p")));
        HttpResponse<String> r = send("GET", "/");
        assertThat(r.headers().firstValue("Content-Type")).hasValue(PageResponse.HTML);
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).startsWith("default-src 'none'");
    }

    @Test
    void givenOtherMethods_thenTheyAreRefused405AndHeadHasNoBody() throws Exception {
        start(r -> PageResponse.text(200, "hello"));
        HttpResponse<String> post = send("POST", "/x");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> head = send("HEAD", "/x");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void givenErrors_thenCairnExceptionsKeepTheirStatusAndOthersAre500() throws Exception {
        start(r -> switch (r.path()) {
            case "/bad" -> throw CairnException.invalid("use x=1");
            case "/down" -> throw new CairnException(ErrorCode.UNAVAILABLE, "no leader");
            case "/redirect" -> PageResponse.temporaryRedirect("http://127.0.1.2:2010/redirect");
            default -> throw new IllegalStateException("boom");
        });
        assertThat(send("GET", "/bad")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).isEqualTo("use x=1\n");
        });
        assertThat(send("GET", "/down").statusCode()).isEqualTo(503);
        assertThat(send("GET", "/other")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("boom");
        });
        HttpResponse<String> moved = send("GET", "/redirect");
        assertThat(moved.statusCode()).isEqualTo(307);
        assertThat(moved.headers().firstValue("Location")).hasValue("http://127.0.1.2:2010/redirect");
        assertThat(rawStatusLine("GET /q?a=%zz HTTP/1.1")).as("bad percent-encoding").contains(" 400 ");
        assertThatThrownBy(() -> PageServer.query("a=%zz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void givenMoreRequestsThanItServesAtOnce_thenTheExcessIsAnswered503() throws Exception {
        CountDownLatch inside = new CountDownLatch(PageServer.MAX_CONCURRENT);
        CountDownLatch release = new CountDownLatch(1);
        start(r -> {
            if (r.path().equals("/slow")) {
                inside.countDown();
                release.await(20, TimeUnit.SECONDS);
            }
            return PageResponse.text(200, "ok");
        });
        var slow = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
        for (int i = 0; i < PageServer.MAX_CONCURRENT; i++) {
            slow.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base() + "/slow")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        try {
            assertThat(inside.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(send("GET", "/fast").statusCode()).isEqualTo(503);
        } finally {
            release.countDown();
        }
        for (var f : slow) {
            assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(send("GET", "/fast").statusCode()).isEqualTo(200);
    }

    @Test
    void givenAPortInUse_thenStartFailsNamingTheAddressAndNothingStaysOpen() throws Exception {
        start(r -> PageResponse.text(200, "ok"));
        InetSocketAddress taken = server.addresses().getFirst();
        assertThatThrownBy(() -> PageServer.start("second", r -> null, List.of(new InetSocketAddress("127.0.0.1", 0), taken)))
                .isInstanceOf(IOException.class).hasMessageContaining("second pages cannot listen on 127.0.0.1:" + taken.getPort());
    }

    @Test
    void givenHostileStrings_thenHtmlPageEscapesThemEverywhereAndRefusesScriptLinks() {
        String evil = "<script>alert('x')</script>&\"";
        String html = new HtmlPage(evil).heading(evil).subheading(evil).paragraph(evil).note(evil).fields(Map.of(evil, evil))
                .table(List.of(evil), List.of(List.of(evil)), "none").link(evil, "/a?b=\"><script>", evil).render();
        assertThat(html).doesNotContain("<script>").doesNotContain("'x'").contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;")
                .contains("href=\"/a?b=&quot;&gt;&lt;script&gt;\"");
        assertThatThrownBy(() -> new HtmlPage("t").link("", "javascript:alert(1)", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HtmlPage("t").link("", "//evil.example/", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new HtmlPage("t").table(List.of("a"), List.of(), "nothing yet").render()).contains("nothing yet").doesNotContain("<table>");
    }
}
