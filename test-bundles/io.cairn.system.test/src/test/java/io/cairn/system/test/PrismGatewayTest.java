package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Issue #9 item 1, spec 10 §8 acceptance checks on a 3-node cluster (127.0.1.191-193, cluster
 * virtual IP 127.0.1.190), with real clients ({@code curl}, {@code openssl s_client}): HTTPS on
 * 9440 with the cluster CA's certificate (TLS 1.2/1.3 only), non-leaders redirect to the leader
 * (301 GET, 308 POST), port 80 redirects to 9440, {@code /prism/leader} on 2019 agrees on every node
 * and refuses other nodes, the leader serves the virtual IP, and killing the leader moves both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrismGatewayTest {

    static final String VIP = "127.0.1.190";
    static final String ADMIN_PASSWORD = "Cairn-Admin-2026!x";
    private static final Duration TOOL = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private LoopbackCluster cluster;
    private Path work;
    private Path ca;
    private String initialPassword;

    @BeforeAll
    void form() throws Exception {
        work = Files.createTempDirectory("cairn-prism");
        cluster = new LoopbackCluster(work.resolve("c"), "127.0.1", 190, 3);
        cluster.startAll();
        Proc create = cluster.create();
        assertThat(create.exitCode()).as(create.output()).isZero();
        java.util.regex.Matcher pw = java.util.regex.Pattern.compile("Prism login: user admin, password (\\S+)").matcher(create.output());
        assertThat(pw.find()).as("cluster create shows the generated admin password once: " + create.output()).isTrue();
        initialPassword = pw.group(1);
        cluster.medusaAvailable(Duration.ofSeconds(150));
        ca = cluster.admin.resolve("ca.pem");
        assertThat(ca).exists();
        Proc vip = cluster.ncli(0, "cluster", "edit-params", "external-ip-address=" + VIP);
        assertThat(vip.exitCode()).as(vip.output()).isZero();
        LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> leaderIndex() >= 0, "a Prism leader is elected");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.closeKeepingLogs("prism-logs");
        }
    }

    Proc tool(String... command) throws Exception {
        return Proc.run(TOOL, work, Map.of(), List.of(command));
    }

    /** {@code curl} with the cluster CA as the only trust: prints "status redirect_url" on stdout. */
    Proc curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert", ca.toString(), "-o", "/dev/null", "-w",
                "%{http_code} %{redirect_url}"));
        cmd.addAll(List.of(args));
        return tool(cmd.toArray(String[]::new));
    }

    /** GET /prism/leader on node {@code node}'s local port, asked from {@code from}'s address. */
    JsonNode leaderOn(int node, int from) throws Exception {
        Proc p = tool("curl", "-sS", "--max-time", "10", "--interface", cluster.ip(from), "http://" + cluster.ip(node) + ":2019/prism/leader");
        assertThat(p.exitCode()).as(p.output()).isZero();
        return JSON.readTree(p.output());
    }

    /** The leader's index as the first answering node reports it, or -1. */
    int leaderIndex() {
        for (int i = 0; i < 3; i++) {
            try {
                JsonNode s = cluster.call(i, "prism.status", Map.of());
                String leader = s.path("leader").asText("");
                return leader.isEmpty() ? -1 : cluster.indexOf(leader);
            } catch (Exception e) {
                // node down: ask the next
            }
        }
        return -1;
    }

    @Test
    @Order(1)
    void givenThreeNodes_whenEachIsAskedForThePrismLeaderLocally_thenTheyAgree_exactlyOneIsLocal_andOtherNodesAreRefused() throws Exception {
        int leader = leaderIndex();
        int local = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode r = leaderOn(i, i);
            assertThat(r.path("leader").asText()).as("node %d's answer %s", i + 1, r).isEqualTo(cluster.ip(leader) + ":9440");
            local += r.path("is_local").asBoolean() ? 1 : 0;
        }
        assertThat(local).as("exactly one node is the leader").isEqualTo(1);
        Proc other = tool("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "--interface", cluster.ip(1),
                "http://" + cluster.ip(0) + ":2019/prism/leader");
        assertThat(other.output().trim()).as("port 2019 refuses another node's address").isEqualTo("403");
    }

    @Test
    @Order(2)
    void givenANonLeader_whenAskedOverHttps_thenItRedirectsToTheLeader_301ForGetAnd308ForPost_andPort80RedirectsTo9440() throws Exception {
        int leader = leaderIndex();
        int follower = (leader + 1) % 3;
        Proc get = curl("https://" + cluster.ip(follower) + ":9440/x?y=1");
        assertThat(get.exitCode()).as(get.output()).isZero();
        assertThat(get.output().trim()).isEqualTo("301 https://" + cluster.ip(leader) + ":9440/x?y=1");
        Proc post = curl("-X", "POST", "-d", "{}", "https://" + cluster.ip(follower) + ":9440/api/v1/x");
        assertThat(post.output().trim()).isEqualTo("308 https://" + cluster.ip(leader) + ":9440/api/v1/x");
        Proc served = curl("https://" + cluster.ip(leader) + ":9440/x");
        assertThat(served.output().trim()).as("the leader serves (nothing at /x: 404)").isEqualTo("404");
        Proc plain = curl("http://" + cluster.ip(follower) + ":80/y");
        assertThat(plain.output().trim()).isEqualTo("301 https://" + cluster.ip(follower) + ":9440/y");
        Proc body = tool("curl", "-sS", "--max-time", "10", "--cacert", ca.toString(), "https://" + cluster.ip(leader) + ":9440/nothing");
        JsonNode error = JSON.readTree(body.output());
        assertThat(error.path("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(error.path("message").asText()).contains("/nothing");
    }

    @Test
    @Order(3)
    void givenTheGateway_whenProbedWithOpenssl_thenTheCertificateChainsToTheClusterCa_andOnlyTls12And13AreOffered() throws Exception {
        String at = cluster.ip(0) + ":9440";
        Proc ok = tool("sh", "-c", "echo | openssl s_client -connect " + at + " -CAfile " + ca + " -verify_return_error -verify_ip "
                + cluster.ip(0) + " 2>&1");
        assertThat(ok.output()).contains("Verify return code: 0 (ok)");
        Proc tls11 = tool("sh", "-c", "echo | openssl s_client -connect " + at + " -tls1_1 2>&1");
        assertThat(tls11.output()).as("TLS 1.1 is refused: no certificate is ever sent").contains("no peer certificate available")
                .containsAnyOf("alert protocol version", "no protocols available");
        Proc tls12 = tool("sh", "-c", "echo | openssl s_client -connect " + at + " -tls1_2 -CAfile " + ca + " 2>&1");
        assertThat(tls12.output()).contains("Protocol  : TLSv1.2").contains("Verify return code: 0 (ok)");
        // Prism's certificate (issued on the node by the cluster CA, whose key every member keeps) names the node and the
        // virtual IP: openssl verify passes and every node's SAN lists the VIP
        for (int i = 0; i < 3; i++) {
            Path pem = work.resolve("prism-" + i + ".pem");
            String node = cluster.ip(i);
            LoopbackCluster.waitFor(Duration.ofSeconds(30), () -> {
                try {
                    tool("sh", "-c", "echo | openssl s_client -connect " + node + ":9440 2>/dev/null | openssl x509 -out " + pem);
                    return tool("openssl", "x509", "-in", pem.toString(), "-noout", "-ext", "subjectAltName").output().contains(VIP);
                } catch (Exception e) {
                    return false;
                }
            }, "node " + (i + 1) + "'s Prism certificate names the virtual IP");
            Proc verify = tool("openssl", "verify", "-CAfile", ca.toString(), pem.toString());
            assertThat(verify.output()).as(verify.output()).contains(": OK");
            assertThat(tool("openssl", "x509", "-in", pem.toString(), "-noout", "-ext", "subjectAltName").output()).contains(node);
        }
        assertThat(cluster.home(0).resolve("data/pki/ca.key.pem")).as("the member keeps the CA key").exists();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.home(0)
                .resolve("data/pki/ca.key.pem")))).isEqualTo("rw-------");
    }

    /** curl as the cluster admin (client certificate): prints the body, then a last line with the status. */
    Proc api(String method, String path, String body) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert", ca.toString(), "--cert",
                cluster.admin.resolve("cert.pem").toString(), "--key", cluster.admin.resolve("key.pem").toString(), "-X", method, "-w",
                "\n%{http_code}"));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", body));
        }
        cmd.add("https://" + cluster.ip(leaderIndex()) + ":9440/api/v1" + path);
        return tool(cmd.toArray(String[]::new));
    }

    static int status(Proc p) {
        String[] lines = p.output().strip().split("\n");
        return Integer.parseInt(lines[lines.length - 1].trim());
    }

    static JsonNode json(Proc p) throws Exception {
        String out = p.output().strip();
        return JSON.readTree(out.substring(0, out.lastIndexOf('\n') < 0 ? 0 : out.lastIndexOf('\n')));
    }

    @Test
    @Order(4)
    void givenTheRestApi_whenTheAdminManagesContainersAndVDisks_thenEntitiesHaveMetadataSpecStatus_listsPageAndFilter_andBadInputIsRefused()
            throws Exception {
        Proc anonymous = tool("curl", "-sS", "--max-time", "10", "--cacert", ca.toString(), "-D", "-", "-o", "/dev/null",
                "https://" + cluster.ip(leaderIndex()) + ":9440/api/v1/vdisks");
        assertThat(anonymous.output()).contains(" 401").containsIgnoringCase("WWW-Authenticate: Basic realm=\"Prism\"");

        Proc ctr = api("POST", "/containers", "{\"spec\": {\"name\": \"rest1\", \"replication_factor\": 2}}");
        assertThat(status(ctr)).as(ctr.output()).isEqualTo(201);
        assertThat(json(ctr).path("metadata").path("kind").asText()).isEqualTo("container");
        for (int i = 0; i < 3; i++) {
            Proc vd = api("POST", "/vdisks", "{\"spec\": {\"name\": \"v" + i + "\", \"container\": \"rest1\", \"size_bytes\": 1048576}}");
            assertThat(status(vd)).as(vd.output()).isEqualTo(201);
        }
        Proc page = api("GET", "/vdisks?limit=2&filter=spec.container==rest1", null);
        assertThat(status(page)).as(page.output()).isEqualTo(200);
        assertThat(json(page).path("metadata").path("total").asInt()).isEqualTo(3);
        assertThat(json(page).path("entities").size()).isEqualTo(2);
        Proc one = api("GET", "/vdisks?filter=spec.name==v1;spec.container==rest1", null);
        JsonNode v1 = json(one).path("entities").get(0);
        assertThat(v1.path("spec").path("name").asText()).isEqualTo("v1");
        String uuid = v1.path("metadata").path("uuid").asText();
        long version = v1.path("metadata").path("version").asLong();

        String grow = "{\"metadata\": {\"version\": %d}, \"spec\": {\"name\": \"v1\", \"container\": \"rest1\", \"size_bytes\": 2097152}}";
        Proc stale = api("PUT", "/vdisks/" + uuid, grow.formatted(version + 1));
        assertThat(status(stale)).as(stale.output()).isEqualTo(409);
        assertThat(json(stale).path("code").asText()).isEqualTo("STALE_VERSION");
        Proc grown = api("PUT", "/vdisks/" + uuid, grow.formatted(version));
        assertThat(status(grown)).as(grown.output()).isEqualTo(200);
        assertThat(json(grown).path("spec").path("size_bytes").asLong()).isEqualTo(2097152);
        Proc again = api("PUT", "/vdisks/" + uuid, grow.formatted(version));
        assertThat(status(again)).as("the old version is stale now: " + again.output()).isEqualTo(409);

        Proc malformed = api("POST", "/vdisks", "{\"spec\": {");
        assertThat(status(malformed)).isEqualTo(400);
        assertThat(json(malformed).path("code").asText()).isEqualTo("MALFORMED_JSON");
        Proc unknown = api("POST", "/vdisks", "{\"spec\": {\"name\": \"x\", \"container\": \"rest1\", \"size_bytes\": 1048576, \"colour\": 1}}");
        assertThat(status(unknown)).isEqualTo(400);
        assertThat(json(unknown).path("code").asText()).isEqualTo("UNKNOWN_FIELD");
        assertThat(json(unknown).path("message").asText()).contains("colour");
        Path big = work.resolve("big.json");
        Files.writeString(big, "{\"spec\": {\"name\": \"" + "x".repeat(2 << 20) + "\"}}");
        Proc huge = api("POST", "/vdisks", "@" + big);
        assertThat(status(huge)).as(huge.output()).isEqualTo(413);
        Proc missing = api("GET", "/vdisks/" + java.util.UUID.randomUUID(), null);
        assertThat(status(missing)).isEqualTo(404);
        Proc gone = api("DELETE", "/vdisks/" + uuid, null);
        assertThat(status(gone)).as(gone.output()).isEqualTo(204);

        // the cluster's settings: the virtual IP over REST (the same as ncli cluster edit-params external-ip-address=)
        JsonNode clusterNow = json(api("GET", "/cluster", null));
        assertThat(clusterNow.path("spec").path("external_ip_address").asText()).isEqualTo(VIP);
        long cv = clusterNow.path("metadata").path("version").asLong();
        String name = clusterNow.path("spec").path("name").asText();
        Proc notIp = api("PUT", "/cluster", "{\"metadata\": {\"version\": " + cv + "}, \"spec\": {\"external_ip_address\": \"vip.example\"}}");
        assertThat(status(notIp)).as(notIp.output()).isEqualTo(400);
        assertThat(json(notIp).path("message").asText()).contains("not an IP address");
        Proc rename = api("PUT", "/cluster", "{\"metadata\": {\"version\": " + cv + "}, \"spec\": {\"name\": \"other\"}}");
        assertThat(status(rename)).as(rename.output()).isEqualTo(400);
        Proc same = api("PUT", "/cluster", "{\"metadata\": {\"version\": " + cv + "}, \"spec\": {\"name\": \"" + name
                + "\", \"external_ip_address\": \"" + VIP + "\"}}");
        assertThat(status(same)).as(same.output()).isEqualTo(200);
        assertThat(json(same).path("spec").path("external_ip_address").asText()).isEqualTo(VIP);
    }

    @Test
    @Order(5)
    void givenTasksAlertsAndEvents_whenALongOperationRuns_thenItAnswers202WithATask_andAlertsAreListedAndAcknowledged() throws Exception {
        // a long operation: 202 and a task uuid, polled until it succeeds
        Proc scan = api("POST", "/cluster/curator_scans", "{\"type\": \"partial\"}");
        assertThat(status(scan)).as(scan.output()).isEqualTo(202);
        String task = json(scan).path("task_uuid").asText();
        assertThat(task).isNotEmpty();
        long start = System.nanoTime();
        JsonNode[] last = new JsonNode[1];
        LoopbackCluster.waitFor(Duration.ofSeconds(180), () -> {
            try {
                last[0] = json(api("GET", "/tasks/" + task, null));
                return FINISHED_TASK.contains(last[0].path("status").path("state").asText());
            } catch (Exception e) {
                return false;
            }
        }, "the scan task finishes");
        System.out.printf("PrismGatewayTest: the Curator scan task %s finished in %d ms: %s%n", task, (System.nanoTime() - start) / 1_000_000,
                last[0]);
        assertThat(last[0].path("metadata").path("kind").asText()).isEqualTo("task");
        assertThat(last[0].path("spec").path("type").asText()).isEqualTo("curator.scan");
        assertThat(last[0].path("status").path("state").asText()).as(last[0].toString()).isEqualTo("SUCCEEDED");
        assertThat(JSON.readTree(last[0].path("status").path("result").asText()).path("execution_id").asLong()).isPositive();
        Proc listed = api("GET", "/tasks?filter=spec.type==curator.scan", null);
        assertThat(json(listed).path("entities").findValuesAsText("uuid")).contains(task);
        Proc abortDone = api("POST", "/tasks/" + task + "/abort", "{}");
        assertThat(status(abortDone)).as("a finished task cannot be aborted: " + abortDone.output()).isEqualTo(412);
        Proc badScan = api("POST", "/cluster/curator_scans", "{\"type\": \"sideways\"}");
        assertThat(status(badScan)).as(badScan.output()).isEqualTo(400);
        assertThat(json(badScan).path("message").asText()).contains("full").contains("partial");
        assertThat(status(api("GET", "/tasks/task-9999999999", null))).isEqualTo(404);

        // alerts are WARNING and CRITICAL entries of the bus; events are all of them
        String warning = cluster.call(0, "alerts.raise", Map.of("severity", "WARNING", "source", "prism-test", "title", "disk nearly full",
                "message", "test alert")).path("id").asText();
        String info = cluster.call(1, "alerts.raise", Map.of("severity", "INFO", "source", "prism-test", "title", "just so you know"))
                .path("id").asText();
        JsonNode alerts = json(api("GET", "/alerts?filter=spec.source==prism-test", null));
        assertThat(alerts.path("entities").findValuesAsText("uuid")).contains(warning).doesNotContain(info);
        JsonNode events = json(api("GET", "/events?filter=spec.source==prism-test", null));
        assertThat(events.path("entities").findValuesAsText("uuid")).contains(warning, info);
        assertThat(status(api("GET", "/alerts/" + info, null))).as("an INFO entry is an event, not an alert").isEqualTo(404);
        assertThat(status(api("GET", "/events/" + info, null))).isEqualTo(200);
        Proc ack = api("POST", "/alerts/" + warning + "/acknowledge", "{}");
        assertThat(status(ack)).as(ack.output()).isEqualTo(200);
        assertThat(json(ack).path("status").path("acknowledged").asBoolean()).isTrue();
        assertThat(json(ack).path("status").path("acknowledged_by").asText()).isEqualTo("admin");
        assertThat(json(api("GET", "/alerts/" + warning, null)).path("status").path("acknowledged").asBoolean()).isTrue();
    }

    /** Task states after which a task never changes. */
    static final java.util.Set<String> FINISHED_TASK = java.util.Set.of("SUCCEEDED", "FAILED", "ABORTED");

    @Test
    @Order(6)
    void givenTheOpenApiDocument_whenEveryDocumentedGetIsCalled_thenNoneIsMissing_andTheDocumentIsOpenApi3() throws Exception {
        Proc doc = api("GET", "/openapi.json", null);
        assertThat(status(doc)).isEqualTo(200);
        JsonNode d = json(doc);
        assertThat(d.path("openapi").asText()).startsWith("3.");
        assertThat(d.path("paths").size()).isGreaterThanOrEqualTo(8);
        for (var e : d.path("paths").properties()) {
            if (!e.getValue().has("get")) {
                continue;
            }
            String path = e.getKey().replaceAll("\\{[a-z_]+\\}", "nonexistent");
            Proc p = api("GET", path, null);
            int st = status(p);
            assertThat(st).as("GET %s: %s", path, p.output()).isIn(200, 400, 404);
            if (st != 200) {
                assertThat(json(p).path("message").asText()).as("GET %s is routed (not an unknown path)", path).doesNotContain("no resource at");
            }
        }
    }

    /** curl with HTTP Basic (or a cookie header when {@code user} is null): body, then the status on the last line. */
    Proc as(String user, String password, String cookie, String method, String path, String body) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "--cacert", ca.toString(), "-X", method, "-D",
                work.resolve("headers.txt").toString(), "-w", "\n%{http_code}"));
        if (user != null) {
            cmd.addAll(List.of("-u", user + ":" + password));
        }
        if (cookie != null) {
            cmd.addAll(List.of("-H", "Cookie: " + cookie));
        }
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", body));
        }
        cmd.add("https://" + cluster.ip(leaderIndex()) + ":9440/api/v1" + path);
        return tool(cmd.toArray(String[]::new));
    }

    @Test
    @Order(7)
    void givenTheGeneratedAdminPassword_whenUsersAndRolesAreManaged_thenViewersCannotMutateAnything_customRolesWork_andMutationsAreAudited()
            throws Exception {
        String newPassword = ADMIN_PASSWORD;
        Proc first = as("admin", initialPassword, null, "GET", "/vdisks", null);
        assertThat(status(first)).as(first.output()).isEqualTo(403);
        assertThat(json(first).path("code").asText()).isEqualTo("PASSWORD_CHANGE_REQUIRED");
        Proc change = as("admin", initialPassword, null, "POST", "/users/admin/password",
                "{\"old_password\": \"" + initialPassword + "\", \"new_password\": \"" + newPassword + "\"}");
        assertThat(status(change)).as(change.output()).isEqualTo(204);
        Proc wrong = as("admin", initialPassword, null, "GET", "/vdisks", null);
        assertThat(status(wrong)).as("the initial password is gone").isEqualTo(401);

        Proc login = as("admin", newPassword, null, "GET", "/vdisks", null);
        assertThat(status(login)).as(login.output()).isEqualTo(200);
        String headers = Files.readString(work.resolve("headers.txt"));
        java.util.regex.Matcher set = java.util.regex.Pattern.compile("(?im)^set-cookie: (CAIRN_SESSION=[^;\\s]+)(.*)$").matcher(headers);
        assertThat(set.find()).as(headers).isTrue();
        assertThat(set.group(2)).contains("HttpOnly").contains("Secure").contains("SameSite=Strict");
        String cookie = set.group(1);
        Proc basicAgain = as("admin", newPassword, null, "GET", "/cluster", null);
        assertThat(status(basicAgain)).isEqualTo(200);
        java.util.regex.Matcher again = java.util.regex.Pattern.compile("(?im)^set-cookie: (CAIRN_SESSION=[^;\\s]+)").matcher(
                Files.readString(work.resolve("headers.txt")));
        assertThat(again.find()).isTrue();
        assertThat(again.group(1)).as("Basic on every request reuses its session (one password check, one session)").isEqualTo(cookie);
        Proc replay = as(null, null, cookie, "GET", "/vdisks", null);
        assertThat(status(replay)).as("the session cookie alone authenticates").isEqualTo(200);

        assertThat(status(as(null, null, cookie, "POST", "/users", "{\"spec\": {\"username\": \"view1\", \"password\": \"Viewer-Pass-2026!\", "
                + "\"roles\": [\"viewer\"]}}"))).isEqualTo(201);
        assertThat(status(as(null, null, cookie, "POST", "/roles", "{\"spec\": {\"name\": \"vdisk-maker\", \"permissions\": [\"vdisk:view\", "
                + "\"vdisk:create\", \"container:view\"]}}"))).isEqualTo(201);
        assertThat(status(as(null, null, cookie, "POST", "/users", "{\"spec\": {\"username\": \"maker1\", \"password\": \"Maker-Pass-2026!\", "
                + "\"roles\": [\"vdisk-maker\"]}}"))).isEqualTo(201);

        // a Viewer reads, and every mutating operation the OpenAPI document lists is refused (generated, not hand-picked)
        assertThat(status(as("view1", "Viewer-Pass-2026!", null, "GET", "/vdisks", null))).isEqualTo(200);
        Proc viewCookieLogin = as("view1", "Viewer-Pass-2026!", null, "GET", "/cluster", null);
        assertThat(status(viewCookieLogin)).isEqualTo(200);
        java.util.regex.Matcher vs = java.util.regex.Pattern.compile("(?im)^set-cookie: (CAIRN_SESSION=[^;\\s]+)").matcher(
                Files.readString(work.resolve("headers.txt")));
        assertThat(vs.find()).isTrue();
        String viewer = vs.group(1);
        JsonNode doc = json(api("GET", "/openapi.json", null));
        int mutating = 0;
        for (var p : doc.path("paths").properties()) {
            for (var m : p.getValue().properties()) {
                if (m.getKey().equals("get") || !m.getValue().has("x-cairn-permission")) {
                    continue; // reads, and login/logout (no authentication needed)
                }
                String path = p.getKey().replaceAll("\\{[a-z_]+\\}", "admin");
                Proc r = as(null, null, viewer, m.getKey().toUpperCase(java.util.Locale.ROOT), path, "{}");
                assertThat(status(r)).as("a Viewer's %s %s: %s", m.getKey(), path, r.output()).isEqualTo(403);
                mutating++;
            }
        }
        System.out.printf("PrismGatewayTest: a Viewer was refused all %d mutating operations of the OpenAPI document%n", mutating);
        assertThat(mutating).isGreaterThanOrEqualTo(10);

        // a custom role: vdisk view+create, nothing else
        Proc made = as("maker1", "Maker-Pass-2026!", null, "POST", "/vdisks", "{\"spec\": {\"name\": \"m1\", \"container\": \"rest1\", "
                + "\"size_bytes\": 1048576}}");
        assertThat(status(made)).as(made.output()).isEqualTo(201);
        String made1 = json(made).path("metadata").path("uuid").asText();
        assertThat(status(as("maker1", "Maker-Pass-2026!", null, "DELETE", "/vdisks/" + made1, null))).isEqualTo(403);
        assertThat(status(as("maker1", "Maker-Pass-2026!", null, "POST", "/containers", "{\"spec\": {\"name\": \"no\"}}"))).isEqualTo(403);

        // a login form's way in: POST /auth/login answers the session cookie; logout ends it
        Proc loginForm = tool("curl", "-sS", "--max-time", "20", "--cacert", ca.toString(), "-D", work.resolve("headers.txt").toString(),
                "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "--data-binary", "{\"username\": \"view1\", \"password\": "
                + "\"Viewer-Pass-2026!\"}", "https://" + cluster.ip(leaderIndex()) + ":9440/api/v1/auth/login");
        assertThat(status(loginForm)).as(loginForm.output()).isEqualTo(200);
        assertThat(json(loginForm).path("roles").toString()).contains("viewer");
        java.util.regex.Matcher formCookie = java.util.regex.Pattern.compile("(?im)^set-cookie: (CAIRN_SESSION=[^;\\s]+)").matcher(
                Files.readString(work.resolve("headers.txt")));
        assertThat(formCookie.find()).isTrue();
        String form = formCookie.group(1);
        assertThat(status(as(null, null, form, "GET", "/cluster", null))).isEqualTo(200);
        Proc logout = as(null, null, form, "POST", "/auth/logout", "{}");
        assertThat(status(logout)).as(logout.output()).isEqualTo(204);
        assertThat(status(as(null, null, form, "GET", "/cluster", null))).as("the session ended with the logout").isEqualTo(401);
        Proc badForm = tool("curl", "-sS", "--max-time", "20", "--cacert", ca.toString(), "-w", "\n%{http_code}", "-H",
                "Content-Type: application/json", "--data-binary", "{\"username\": \"view1\", \"password\": \"nope\"}",
                "https://" + cluster.ip(leaderIndex()) + ":9440/api/v1/auth/login");
        assertThat(status(badForm)).isEqualTo(401);
        Proc caPem = tool("curl", "-sS", "--max-time", "20", "--cacert", ca.toString(), "https://" + cluster.ip(leaderIndex())
                + ":9440/api/v1/security/ca-certificate");
        assertThat(caPem.output().strip()).isEqualTo(Files.readString(ca).strip());

        // the custom role is replaced with optimistic concurrency; then maker1 may delete vDisks too
        long rv = json(as(null, null, cookie, "GET", "/roles/vdisk-maker", null)).path("metadata").path("version").asLong();
        String update = "{\"metadata\": {\"version\": %d}, \"spec\": {\"name\": \"vdisk-maker\", \"permissions\": [\"vdisk:view\", "
                + "\"vdisk:create\", \"vdisk:delete\", \"container:view\"]}}";
        assertThat(status(as(null, null, cookie, "PUT", "/roles/vdisk-maker", update.formatted(rv + 1)))).isEqualTo(409);
        Proc updated = as(null, null, cookie, "PUT", "/roles/vdisk-maker", update.formatted(rv));
        assertThat(status(updated)).as(updated.output()).isEqualTo(200);
        assertThat(status(as("maker1", "Maker-Pass-2026!", null, "DELETE", "/vdisks/" + made1, null))).isEqualTo(204);
        Proc badPermission = as(null, null, cookie, "PUT", "/roles/vdisk-maker", update.formatted(json(updated).path("metadata")
                .path("version").asLong()).replace("vdisk:delete", "vdisk:explode"));
        assertThat(status(badPermission)).as(badPermission.output()).isEqualTo(400);
        assertThat(status(as(null, null, cookie, "PUT", "/roles/viewer", "{\"metadata\": {\"version\": 0}, \"spec\": {\"name\": \"viewer\", "
                + "\"permissions\": []}}"))).as("built-in roles are immutable").isBetween(400, 499);

        // lockout after 5 failures, lifted by an administrator
        for (int i = 0; i < 5; i++) {
            assertThat(status(as("view1", "wrong-" + i, null, "GET", "/cluster", null))).isEqualTo(401);
        }
        Proc locked = as("view1", "Viewer-Pass-2026!", null, "GET", "/cluster", null);
        assertThat(status(locked)).as("the right password is refused while locked: " + locked.output()).isEqualTo(401);
        Proc unlock = as(null, null, cookie, "POST", "/users/view1/unlock", "{}");
        assertThat(status(unlock)).as(unlock.output()).isEqualTo(200);
        assertThat(status(as("view1", "Viewer-Pass-2026!", null, "GET", "/cluster", null))).isEqualTo(200);

        // an administrator's reset: the user must change it at the next login
        assertThat(status(as(null, null, cookie, "POST", "/users/maker1/reset_password", "{\"new_password\": \"Reset-Pass-2026!x\"}")))
                .isEqualTo(204);
        Proc reset = as("maker1", "Reset-Pass-2026!x", null, "GET", "/vdisks", null);
        assertThat(status(reset)).isEqualTo(403);
        assertThat(json(reset).path("code").asText()).isEqualTo("PASSWORD_CHANGE_REQUIRED");

        // directories: listed, and one whose service account cannot bind is refused with the reason
        assertThat(status(as("view1", "Viewer-Pass-2026!", null, "GET", "/auth/directories", null))).isEqualTo(200);
        Proc noBind = as(null, null, cookie, "POST", "/auth/directories", "{\"spec\": {\"name\": \"corp\", \"type\": \"OPEN_LDAP\", "
                + "\"url\": \"ldaps://127.0.1.211:1636\", \"search_base\": \"dc=example,dc=org\", \"service_account_dn\": "
                + "\"cn=search,dc=example,dc=org\", \"service_account_password\": \"x\"}}");
        assertThat(status(noBind)).as(noBind.output()).isBetween(400, 503);
        assertThat(json(noBind).path("message").asText()).as(noBind.output()).contains("127.0.1.211");
        assertThat(json(as(null, null, cookie, "GET", "/auth/directories", null)).path("entities").size()).isZero();

        // the audit log over REST: the Viewer's refused mutations are there; a Viewer may not read it
        JsonNode viewerAudit = json(as(null, null, cookie, "GET", "/audit/events?actor=view1&limit=1000", null));
        assertThat(viewerAudit.path("entities").findValuesAsText("result")).contains("DENIED");
        assertThat(status(as("view1", "Viewer-Pass-2026!", null, "GET", "/audit/events", null))).isEqualTo(403);

        // every mutation left an audit line on the node that served it (the leader), with its outcome
        String audit = Files.readString(cluster.home(leaderIndex()).resolve("logs/audit/audit.log"));
        assertThat(audit).contains("POST /api/v1/users").contains("POST /api/v1/roles").contains("view1").contains("DENIED")
                .contains("maker1");
    }

    @Test
    @Order(8)
    void givenTheVirtualIp_whenTheLeaderIsKilled_thenAnotherNodeLeadsAndServesIt_andTheGapIsMeasured() throws Exception {
        // the virtual IP is served by the leader, never redirected; its certificate names the VIP, so curl checks the host name
        Proc before = tool("curl", "-sS", "--cacert", ca.toString(), "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "https://" + VIP + ":9440/x");
        assertThat(before.output().trim()).isEqualTo("404");
        int leader = leaderIndex();
        long killed = System.nanoTime();
        cluster.kill9(leader);
        LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> {
            try {
                Proc p = tool("curl", "-sS", "--cacert", ca.toString(), "--max-time", "2", "-o", "/dev/null", "-w", "%{http_code}", "https://" + VIP + ":9440/x");
                return p.output().trim().equals("404");
            } catch (Exception e) {
                return false;
            }
        }, "the virtual IP answers again");
        long gap = (System.nanoTime() - killed) / 1_000_000;
        int now = leaderIndex();
        System.out.printf("PrismGatewayTest: virtual IP %s answered again %d ms after kill -9 of the leader (node %d); new leader node %d%n",
                VIP, gap, leader + 1, now + 1);
        assertThat(now).isNotEqualTo(leader).isGreaterThanOrEqualTo(0);
        int follower = java.util.stream.IntStream.range(0, 3).filter(i -> i != leader && i != now).findFirst().orElseThrow();
        Proc get = curl("https://" + cluster.ip(follower) + ":9440/z");
        assertThat(get.output().trim()).isEqualTo("301 https://" + cluster.ip(now) + ":9440/z");
        Proc start = cluster.startNode(leader);
        assertThat(start.exitCode()).as(start.output()).isZero();
    }

    @Test
    @Order(9)
    void givenAuditRecordsOnSeveralNodes_whenTheAuditLogIsQueried_thenEveryNodesRecordsAreMergedOldestFirst_andANodeThatIsDownIsNamed()
            throws Exception {
        // test 7's logins are in the first leader's log; test 8 moved the leadership, so this failed login is in another node's
        Proc bad = as("view1", "not-the-password", null, "GET", "/vdisks", null);
        assertThat(status(bad)).as(bad.output()).isEqualTo(401);
        String query = "/audit/events?action=auth.login&limit=1000";
        LoopbackCluster.waitFor(Duration.ofSeconds(60), () -> {
            try {
                JsonNode a = json(as("admin", ADMIN_PASSWORD, null, "GET", query, null));
                return a.path("metadata").path("unreachable_nodes").isEmpty() && a.path("entities").size() > 0;
            } catch (Exception e) {
                return false;
            }
        }, "every node answers for its audit records (the restarted one too)");
        JsonNode all = json(as("admin", ADMIN_PASSWORD, null, "GET", query, null));
        List<String> nodes = all.path("entities").findValuesAsText("node");
        assertThat(new java.util.HashSet<>(nodes)).as(all.toPrettyString()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(all.path("metadata").path("truncated").asBoolean()).isFalse();
        List<String> ts = all.path("entities").findValuesAsText("ts");
        assertThat(ts).as("oldest first across nodes").isSorted();
        assertThat(java.util.stream.StreamSupport.stream(all.path("entities").spliterator(), false)
                .filter(e -> e.path("spec").path("user").asText().equals("view1") && e.path("spec").path("result").asText().equals("FAILURE")))
                .as("the failed login just made").isNotEmpty();

        int leader = leaderIndex();
        JsonNode one = json(as("admin", ADMIN_PASSWORD, null, "GET", query + "&node=" + cluster.ip(leader), null));
        assertThat(new java.util.HashSet<>(one.path("entities").findValuesAsText("node"))).as(one.toPrettyString()).hasSize(1);
        Proc unknown = as("admin", ADMIN_PASSWORD, null, "GET", "/audit/events?node=127.0.1.250", null);
        assertThat(status(unknown)).isEqualTo(400);
        assertThat(json(unknown).path("code").asText()).isEqualTo("UNKNOWN_NODE");

        // a node that is down does not hide the others' records: it is named, the rest answer
        int down = java.util.stream.IntStream.range(0, 3).filter(i -> i != leader).findFirst().orElseThrow();
        cluster.kill9(down);
        JsonNode partial = json(as("admin", ADMIN_PASSWORD, null, "GET", query, null));
        assertThat(partial.path("metadata").path("unreachable_nodes").findValuesAsText("address")).as(partial.toPrettyString())
                .containsExactly(cluster.ip(down));
        assertThat(partial.path("entities").size()).isPositive();
        Proc start = cluster.startNode(down);
        assertThat(start.exitCode()).as(start.output()).isZero();
    }
}
