package io.cairn.storage.curator.internal.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.pages.PageServer;
import io.cairn.storage.curator.internal.chronos.Chronos;

/** The 2011 page over real HTTP (an ephemeral port on 127.0.0.1) against a fake Source. */
class ChronosPageTest {

    static final String EVIL = "<script>alert('x')</script>";
    static final String ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;";
    static final String N1 = "00000000-0000-0000-0000-000000000001";
    static final String N2 = "00000000-0000-0000-0000-000000000002";
    static final String N3 = "00000000-0000-0000-0000-000000000003";
    static final String N4 = "00000000-0000-0000-0000-000000000004";

    private final ObjectMapper json = new ObjectMapper();
    private final FakeSource source = new FakeSource();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private PageServer server;

    /** A node whose leader and Chronos snapshot the test sets. */
    static final class FakeSource implements ChronosPage.Source {
        String self = "127.0.1.1";
        String leader = "127.0.1.1";
        Chronos.Snapshot snapshot = new Chronos.Snapshot("2025-03-01T10:00:00Z", List.of());
        Map<String, String> addresses = Map.of(N1, "127.0.1.1", N2, "127.0.1.2", N3, "127.0.1.10");

        @Override
        public String self() {
            return self;
        }

        @Override
        public Optional<String> leader() {
            return Optional.ofNullable(leader);
        }

        @Override
        public Chronos.Snapshot chronos() {
            return snapshot;
        }

        @Override
        public Map<String, String> addresses() {
            return addresses;
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = PageServer.start("chronos-test", new ChronosPage(source, 2011), List.of(new InetSocketAddress("127.0.0.1", 0)));
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        InetSocketAddress a = server.addresses().getFirst();
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Four nodes, listed out of order: 127.0.1.1 with a queued garbage task that failed once (a
     * hostile error) and a running last-replica repair, and counters of a kind this version does not
     * know (hostile); 127.0.1.10 with a given-up deletion; 127.0.1.2 with 250 under-replication
     * tasks of which one is listed; a node not in the cluster configuration whose queue is unreadable.
     */
    void busyCluster() {
        source.snapshot = new Chronos.Snapshot("2025-03-01T10:05:00Z", List.of(
                new Chronos.NodeQueue(N4, 0, 0, 0, List.of(), List.of(), Map.of(), Map.of(), EVIL),
                new Chronos.NodeQueue(N3, 0, 0, 1, List.of(0, 0, 0, 0), List.of(new Chronos.TaskView("delete_replica:" + N3 + ":9",
                        "delete_replica", 3, "failed", 3, 600, 40, null, 0, "disk gone")), Map.of(), Map.of("delete_replica", 1L), null),
                new Chronos.NodeQueue(N1, 1, 1, 0, List.of(0, 0, 0, 1), List.of(
                        new Chronos.TaskView("protect:v1:7", "protect", 3, "queued", 1, 185, 42, null, 2, EVIL),
                        new Chronos.TaskView("protect:v1:1", "protect", 0, "running", 0, 30, 42, "incarnation-1", 0, null)),
                        Map.of("protect", 5L, EVIL, 1L), Map.of("delete_replica", 2L), null),
                new Chronos.NodeQueue(N2, 250, 0, 0, List.of(0, 250, 0, 0),
                        List.of(new Chronos.TaskView("protect:v2:3", "protect", 1, "queued", 0, 5, 42, null, 0, null)), Map.of(), Map.of(),
                        null)));
    }

    @Test
    void givenTasksOnSeveralNodes_whenThePageIsFetched_thenItShowsTheLeaderTheSummaryAndTheTasksByNodeThenPriority() throws Exception {
        busyCluster();
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        String body = r.body();
        assertThat(body).contains("Chronos on 127.0.1.1", "Chronos Leader", "127.0.1.1 (this node; the Curator leader)", "Snapshot taken",
                "2025-03-01T10:05:00Z", "Tasks per node", "Queued and running tasks", "Queued 0 (LAST_REPLICA)", "Queued 3 (GARBAGE)",
                "Done protect", "Given up delete_replica", "0 (LAST_REPLICA)", "1 (UNDER_REPLICATED)", "queued (retry in 2 s)", "running",
                "failed", "3 min 5 s", "disk gone", "the 1 most urgent of 250 tasks");
        // 127.0.1.1: queued 0/0/0/1, 1 running, 0 given up; protect 5 done 0 given up; delete_replica 0 and 2; reclaim 0 and 0;
        // the unknown kind 1 and 0
        assertThat(body).contains("<tr><td>127.0.1.1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td><td>0</td><td>5</td><td>0</td>"
                + "<td>0</td><td>2</td><td>0</td><td>0</td><td>1</td><td>0</td></tr>");
        assertThat(body).as("a node missing from the configuration is shown by its id, with why its queue is unreadable")
                .contains("<tr><td>" + N4 + "</td><td>queue not readable: " + ESCAPED + "</td><td>-</td>");
        String tasks = body.substring(body.indexOf("Queued and running tasks"));
        assertThat(tasks.indexOf("protect:v1:1")).as("by node, then priority").isLessThan(tasks.indexOf("protect:v1:7"));
        assertThat(tasks.indexOf("protect:v1:7")).as("127.0.1.1, then 127.0.1.2").isLessThan(tasks.indexOf("protect:v2:3"));
        assertThat(tasks.indexOf("protect:v2:3")).as("127.0.1.2, then 127.0.1.10").isLessThan(tasks.indexOf("delete_replica:" + N3));
        String summary = body.substring(body.indexOf("Tasks per node"), body.indexOf("Queued and running tasks"));
        List<Integer> order = new ArrayList<>();
        for (String node : List.of("<td>127.0.1.1</td>", "<td>127.0.1.2</td>", "<td>127.0.1.10</td>", "<td>" + N4 + "</td>")) {
            order.add(summary.indexOf(node));
        }
        assertThat(order).doesNotContain(-1).isSorted();
    }

    @Test
    void givenHostileStrings_whenThePageIsFetched_thenTheyAreEscaped() throws Exception {
        busyCluster();
        source.self = "127.0.1.1" + EVIL;
        source.leader = "127.0.1.9\"><script>";
        String body = get("/").body();
        assertThat(body).doesNotContain("<script>").doesNotContain("alert('x')").contains(ESCAPED);
        assertThat(body).contains("href=\"http://127.0.1.9&quot;&gt;&lt;script&gt;:2011/\"");
    }

    @Test
    void givenAnotherLeader_thenThePageLinksToItsChronosPage_andWithoutOneSaysSo() throws Exception {
        source.self = "127.0.1.2";
        source.leader = "127.0.1.7";
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("Chronos Leader: <a href=\"http://127.0.1.7:2011/\">127.0.1.7</a>").doesNotContain("(this node")
                .contains("no tasks queued or running");
        source.leader = null;
        assertThat(get("/").body()).contains("Chronos Leader: none elected yet");
    }

    @Test
    void givenTasks_whenJsonIsAsked_thenItParsesAndHoldsTheSnapshot() throws Exception {
        busyCluster();
        HttpResponse<String> r = get("/?format=json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode j = json.readTree(r.body());
        assertThat(j.path("node").asText()).isEqualTo("127.0.1.1");
        assertThat(j.path("leader").asText()).isEqualTo("127.0.1.1");
        assertThat(j.path("taken").asText()).isEqualTo("2025-03-01T10:05:00Z");
        assertThat(j.path("addresses").path(N3).asText()).isEqualTo("127.0.1.10");
        JsonNode nodes = j.path("nodes");
        assertThat(nodes).hasSize(4);
        JsonNode n1 = nodes.get(2);
        assertThat(n1.path("node").asText()).isEqualTo(N1);
        assertThat(n1.path("queuedByPriority")).hasSize(4);
        assertThat(n1.path("queuedByPriority").get(3).asInt()).isEqualTo(1);
        assertThat(n1.path("done").path("protect").asLong()).isEqualTo(5);
        assertThat(n1.path("givenUp").path("delete_replica").asLong()).isEqualTo(2);
        JsonNode task = n1.path("tasks").get(0);
        assertThat(task.path("id").asText()).isEqualTo("protect:v1:7");
        assertThat(task.path("priority").asInt()).isEqualTo(3);
        assertThat(task.path("state").asText()).isEqualTo("queued");
        assertThat(task.path("attempts").asInt()).isEqualTo(1);
        assertThat(task.path("ageSecs").asLong()).isEqualTo(185);
        assertThat(task.path("execution").asLong()).isEqualTo(42);
        assertThat(task.path("error").asText()).as("raw in JSON, escaped only in HTML").isEqualTo(EVIL);
        assertThat(nodes.get(0).path("error").asText()).isEqualTo(EVIL);
        assertThat(nodes.get(3).path("queued").asInt()).isEqualTo(250);
    }

    @Test
    void givenUnknownPaths_thenTheyAre404() throws Exception {
        for (String url : List.of("/nope", "/master/control", "/master/api/client/StartCuratorTasks?task_type=2", "/h/vars", "/index.html")) {
            assertThat(get(url).statusCode()).as(url).isEqualTo(404);
        }
    }

    @Test
    void nodesSortWithTheirNumbersAsNumbers() {
        assertThat(ChronosPage.compareNatural("127.0.1.2", "127.0.1.10")).isNegative();
        assertThat(ChronosPage.compareNatural("127.0.1.10", "127.0.1.2")).isPositive();
        assertThat(ChronosPage.compareNatural("10.0.0.9", "127.0.0.1")).isNegative();
        assertThat(ChronosPage.compareNatural("127.0.1.1", "127.0.1.1")).isZero();
        assertThat(ChronosPage.compareNatural("127.0.1.1", "127.0.1.1a")).isNegative();
        assertThat(ChronosPage.priority(2)).isEqualTo("2 (CHECKSUM)");
        assertThat(ChronosPage.priority(7)).as("a priority of a newer version").isEqualTo("7");
    }
}
