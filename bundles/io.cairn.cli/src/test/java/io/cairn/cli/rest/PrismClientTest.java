package io.cairn.cli.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;

/**
 * The REST client against real HTTPS servers on 127.0.0.1 ({@code com.sun.net.httpserver}) with
 * certificates from a cluster CA made in the test: trust, redirects, Basic then the session cookie,
 * the admin client certificate, error answers, and whole ncli / acli runs.
 */
class PrismClientTest {

    record Seen(String method, String path, String authorization, String cookie, String body, String clientCn) {
    }

    @TempDir
    Path admin;

    private ClusterCa ca;
    private Credentials node;
    private final List<HttpsServer> servers = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void pki() {
        ca = ClusterCa.create("test", Duration.ofDays(1));
        node = ca.issueCredentials("node:n1", List.of("127.0.0.1"), Duration.ofDays(1));
        ca.store(admin);
        ca.issueCredentials("admin", List.of(), Duration.ofDays(1)).store(admin);
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** An HTTPS server on 127.0.0.1 (its certificate from {@code creds}, client certificates wanted) recording every request. */
    HttpsServer server(Credentials creds, HttpHandler handler) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SSLContext tls = creds.tlsContext();
        s.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setWantClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        s.createContext("/", exchange -> {
            String cn = "";
            try {
                SSLSession session = ((HttpsExchange) exchange).getSSLSession();
                cn = session.getPeerPrincipal().getName();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                // no client certificate
            }
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("Cookie"), body, cn));
            handler.handle(exchange);
        });
        s.start();
        servers.add(s);
        return s;
    }

    static void reply(HttpExchange e, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("Content-Type", "application/json");
        e.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            e.getResponseBody().write(b);
        }
        e.close();
    }

    static String at(HttpsServer s) {
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    PrismClient client(HttpsServer s, String user, String password) {
        Map<String, String> env = password == null ? Map.of() : Map.of("CAIRN_PASSWORD", password);
        Connection c = Connection.parse(new java.util.ArrayList<>(user == null ? List.of("--server", at(s), "--admin", admin.toString())
                : List.of("--server", at(s), "--admin", admin.toString(), "--user", user)), env);
        return c.client(u -> env.get("CAIRN_PASSWORD").toCharArray());
    }

    @Test
    void givenAServerCertifiedByAnotherCa_whenCalled_thenRefusedWithAClearMessage() throws Exception {
        ClusterCa other = ClusterCa.create("other", Duration.ofDays(1));
        HttpsServer s = server(other.issueCredentials("node:x", List.of("127.0.0.1"), Duration.ofDays(1)), e -> reply(e, 200, "{}"));
        PrismClient c = client(s, "alice", "pw");
        assertThatThrownBy(() -> c.get("/cluster")).isInstanceOf(CliException.class)
                .hasMessageContaining("refusing the server at " + at(s))
                .hasMessageContaining("cannot be verified with the cluster CA in " + admin.resolve("ca.pem"))
                .hasMessageContaining("--cacert FILE");
        assertThat(seen).as("no request reached the untrusted server").isEmpty();
    }

    @Test
    void givenACertificateNamingAnotherAddress_whenItChainsToTheClusterCa_thenItIsRefused_soCredentialsGoOnlyToTheHostDialled()
            throws Exception {
        HttpsServer s = server(ca.issueCredentials("node:n2", List.of("127.0.1.2"), Duration.ofDays(1)),
                e -> reply(e, 200, "{\"spec\": {\"name\": \"c\"}}"));
        assertThatThrownBy(() -> client(s, "alice", "pw").get("/cluster")).isInstanceOf(CliException.class)
                .hasMessageContaining("refusing the server at " + at(s));
        assertThat(seen).as("no request, so no password, reached it").isEmpty();
    }

    @Test
    void givenAPrismCertificateNamingTheNodeAndTheVirtualIp_whenEitherIsDialled_thenItIsAccepted() throws Exception {
        HttpsServer s = server(ca.issueCredentials("prism:127.0.1.2", List.of("127.0.1.2", "127.0.0.1"), Duration.ofDays(1)),
                e -> reply(e, 200, "{\"spec\": {\"name\": \"c\"}}"));
        assertThat(client(s, null, null).get("/cluster").path("spec").path("name").asText()).isEqualTo("c");
    }

    @Test
    void givenANonLeader_whenPostIsRedirectedWith308_thenTheSameMethodAndBodyGoToTheLeader_andLaterRequestsGoThereDirectly() throws Exception {
        HttpsServer leader = server(node, e -> reply(e, 201, "{\"metadata\": {\"kind\": \"container\", \"uuid\": \"c1\"}, \"spec\": {}}"));
        HttpsServer follower = server(node, e -> {
            e.getResponseHeaders().set("Location", "https://" + at(leader) + e.getRequestURI());
            reply(e, e.getRequestMethod().equals("GET") ? 301 : 308, "");
        });
        PrismClient c = client(follower, null, null);
        JsonNode created = c.post("/containers", PrismClient.JSON.readTree("{\"spec\": {\"name\": \"ctr1\"}}"));
        assertThat(created.path("metadata").path("uuid").asText()).isEqualTo("c1");
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).method()).isEqualTo("POST");
        assertThat(seen.get(1).method()).as("308 keeps the method").isEqualTo("POST");
        assertThat(seen.get(1).path()).isEqualTo("/api/v1/containers");
        assertThat(seen.get(1).body()).as("and the body").isEqualTo("{\"spec\":{\"name\":\"ctr1\"}}");
        assertThat(seen.get(1).clientCn()).as("the admin certificate is presented").contains("CN=admin");
        c.delete("/containers/ctr1");
        assertThat(seen).hasSize(3);
        assertThat(seen.get(2).method()).isEqualTo("DELETE");
        assertThat(follower.getAddress().getPort()).isNotEqualTo(leader.getAddress().getPort());
    }

    @Test
    void givenBasicAuth_whenTheFirstAnswerSetsASessionCookie_thenBasicIsSentOnce_andTheCookieAfterwards() throws Exception {
        String expected = "Basic " + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        HttpsServer s = server(node, e -> {
            String auth = e.getRequestHeaders().getFirst("Authorization");
            String cookie = e.getRequestHeaders().getFirst("Cookie");
            if (expected.equals(auth)) {
                e.getResponseHeaders().add("Set-Cookie", "CAIRN_SESSION=abc123; Path=/; Secure; HttpOnly; SameSite=Strict");
                reply(e, 200, "{\"entities\": [], \"metadata\": {\"total\": 0}}");
            } else if ("CAIRN_SESSION=abc123".equals(cookie)) {
                reply(e, 200, "{\"entities\": [], \"metadata\": {\"total\": 0}}");
            } else {
                e.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Prism\"");
                reply(e, 401, "{\"code\": \"UNAUTHENTICATED\", \"message\": \"log in\"}");
            }
        });
        PrismClient c = client(s, "alice", "s3cret");
        for (int i = 0; i < 3; i++) {
            c.get("/containers");
        }
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0).authorization()).isEqualTo(expected);
        assertThat(seen.get(0).cookie()).isNull();
        assertThat(seen.get(0).clientCn()).as("--user presents no client certificate").isEmpty();
        for (Seen later : seen.subList(1, 3)) {
            assertThat(later.authorization()).as("no password after the session started").isNull();
            assertThat(later.cookie()).isEqualTo("CAIRN_SESSION=abc123");
        }
    }

    @Test
    void givenAnExpiredSession_whenTheCookieIsRefused_thenBasicIsSentAgainOnce() throws Exception {
        int[] sessions = {0};
        HttpsServer s = server(node, e -> {
            String auth = e.getRequestHeaders().getFirst("Authorization");
            String cookie = e.getRequestHeaders().getFirst("Cookie");
            if (auth != null) {
                e.getResponseHeaders().add("Set-Cookie", "CAIRN_SESSION=s" + ++sessions[0] + "; Secure");
                reply(e, 200, "{}");
            } else if (("CAIRN_SESSION=s" + sessions[0]).equals(cookie) && sessions[0] > 1) {
                reply(e, 200, "{}");
            } else {
                reply(e, 401, "{\"code\": \"UNAUTHENTICATED\", \"message\": \"session expired\"}");
            }
        });
        PrismClient c = client(s, "alice", "pw");
        c.get("/cluster");
        c.get("/cluster"); // cookie s1 refused → Basic again → s2
        c.get("/cluster"); // cookie s2
        assertThat(seen).extracting(Seen::authorization).containsExactly(seen.get(0).authorization(), null, seen.get(0).authorization(), null);
        assertThat(seen.get(3).cookie()).isEqualTo("CAIRN_SESSION=s2");
    }

    @Test
    void givenErrorAnswers_whenCalled_then403IsPermissionDenied_andOtherErrorsShowTheServersMessage() throws Exception {
        HttpsServer s = server(node, e -> {
            if (e.getRequestMethod().equals("POST")) {
                reply(e, 403, "{\"code\": \"PERMISSION_DENIED\", \"message\": \"viewer lacks container:create\"}");
            } else {
                reply(e, 404, "{\"code\": \"NOT_FOUND\", \"message\": \"no container named 'nope'; GET /api/v1/containers lists them\"}");
            }
        });
        PrismClient c = client(s, null, null);
        assertThatThrownBy(() -> c.post("/containers", PrismClient.JSON.createObjectNode())).hasMessage(
                "permission denied: viewer lacks container:create");
        assertThatThrownBy(() -> c.get("/containers/nope")).hasMessage("no container named 'nope'; GET /api/v1/containers lists them")
                .extracting(e -> ((CliException) e).exitCode()).isEqualTo(1);
    }

    @Test
    void givenNothingListening_whenCalled_thenTheNextServerIsTried_andAllDownSaysSo() throws Exception {
        HttpsServer s = server(node, e -> reply(e, 200, "{\"metadata\": {\"uuid\": \"x\"}, \"spec\": {\"name\": \"c\"}}"));
        java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        int dead = closed.getLocalPort();
        closed.close();
        Connection c = Connection.parse(new java.util.ArrayList<>(List.of("--server", "127.0.0.1:" + dead + "," + at(s), "--admin",
                admin.toString())), Map.of());
        assertThat(c.client(u -> null).get("/cluster").path("spec").path("name").asText()).isEqualTo("c");
        Connection down = Connection.parse(new java.util.ArrayList<>(List.of("--server", "127.0.0.1:" + dead, "--admin", admin.toString())),
                Map.of());
        assertThatThrownBy(() -> down.client(u -> null).get("/cluster")).hasMessageContaining("cannot reach Prism at 127.0.0.1:" + dead);
    }

    @Test
    void givenARealServer_whenNcliAndAcliRun_thenTextBlocksJsonAndTables() throws Exception {
        HttpsServer s = server(node, e -> {
            String p = e.getRequestURI().getPath();
            String q = e.getRequestURI().getRawQuery();
            switch (p) {
                case "/api/v1/containers" -> reply(e, 200, """
                        {"metadata": {"kind": "container_list", "total": 1, "offset": 0, "limit": 1000}, "entities": [
                          {"metadata": {"kind": "container", "uuid": "c-1", "version": 1},
                           "spec": {"name": "ctr1", "replication_factor": 2}, "status": {"used_bytes": 0}}]}""");
                case "/api/v1/vdisks" -> {
                    if (e.getRequestMethod().equals("POST")) {
                        reply(e, 201, "{\"metadata\": {\"uuid\": \"v-1\"}, \"spec\": " + new String(e.getRequestBody().readAllBytes(),
                                StandardCharsets.UTF_8).length() + "}");
                    } else {
                        reply(e, 200, "{\"metadata\": {\"total\": 0}, \"entities\": [], \"query\": \"" + q + "\"}");
                    }
                }
                case "/api/v1/hosts" -> reply(e, 200, """
                        {"metadata": {"total": 2}, "entities": [
                          {"metadata": {"uuid": "h-1"}, "spec": {"address": "127.0.1.1"}, "status": {"state": "UP", "software_version": "0.1.0"}},
                          {"metadata": {"uuid": "h-2"}, "spec": {"address": "127.0.1.2"}, "status": {"state": "DOWN", "software_version": "0.1.0"}}]}""");
                default -> reply(e, 404, "{\"code\": \"NOT_FOUND\", \"message\": \"no " + p + "\"}");
            }
        });
        Map<String, String> env = Map.of("CAIRN_ADMIN", admin.toString(), "CAIRN_PRISM", at(s));
        NcliTest.Result ls = NcliTest.ncli(env, "ctr", "ls");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).isEqualTo("""
                    Id                 : c-1
                    Name               : ctr1
                    Replication Factor : 2
                    Used               : 0 bytes
                """);
        NcliTest.Result json = NcliTest.ncli(env, "-o", "json", "ctr", "ls");
        JsonNode array = PrismClient.JSON.readTree(json.out());
        assertThat(array.get(0).path("spec").path("name").asText()).isEqualTo("ctr1");
        assertThat(PrismClient.JSON.readTree(NcliTest.ncli(env, "ctr", "ls", "--json=true").out()).isArray()).isTrue();

        NcliTest.Result vd = NcliTest.ncli(env, "vdisk", "create", "ctr=ctr1", "name=v1", "size=10G");
        assertThat(vd.code()).as(vd.err()).isZero();
        Seen post = seen.stream().filter(x -> x.method().equals("POST")).findFirst().orElseThrow();
        assertThat(PrismClient.JSON.readTree(post.body()).path("spec").path("size_bytes").asLong()).isEqualTo(10L << 30);
        NcliTest.ncli(env, "vdisk", "ls", "ctr=ctr 1");
        assertThat(seen.get(seen.size() - 1).path()).isEqualTo("/api/v1/vdisks?offset=0&limit=1000&filter=spec.container%3D%3Dctr%201");

        NcliTest.Result version = NcliTest.ncli(env, "cluster", "version");
        assertThat(version.out()).isEqualTo("    Cluster Version : 0.1.0\n");
        NcliTest.Result missing = NcliTest.ncli(env, "alert", "ls");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("ncli: no /api/v1/alerts");

        NcliTest.Result hosts = NcliTest.acli(env, "host.list");
        assertThat(hosts.code()).as(hosts.err()).isZero();
        assertThat(hosts.out()).contains("Hypervisor IP").contains("127.0.1.2        127.0.1.2      h-2        KVM              DOWN").contains("DOWN");
        JsonNode hostsJson = PrismClient.JSON.readTree(NcliTest.acli(env, "-o", "json", "host.list").out());
        assertThat(hostsJson.path("data").size()).isEqualTo(2);
        assertThat(hostsJson.path("data").get(0).path("ip").asText()).isEqualTo("127.0.1.1");
        assertThat(hostsJson.path("data").get(0).path("uuid").asText()).isEqualTo("h-1");
    }
}
