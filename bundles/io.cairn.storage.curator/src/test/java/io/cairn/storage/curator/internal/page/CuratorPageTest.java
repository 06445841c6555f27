package io.cairn.storage.curator.internal.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.clock.ManualClock;
import io.cairn.common.pages.PageServer;
import io.cairn.storage.curator.internal.CuratorService;
import io.cairn.storage.curator.internal.CuratorService.ScanType;
import io.cairn.storage.curator.internal.CuratorStatus;
import io.cairn.storage.curator.internal.ScanHistory;

/** The 2010 pages over real HTTP (an ephemeral port on 127.0.0.1) against a fake Curator. */
class CuratorPageTest {

    static final String EVIL = "<script>alert('x')</script>";
    static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private final ObjectMapper json = new ObjectMapper();
    private final ManualClock clock = new ManualClock(T0);
    private final FakeCurator curator = new FakeCurator();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(); // never follows redirects
    private PageServer server;

    /** A Curator whose leadership, queue, history and status the test sets. */
    static final class FakeCurator implements CuratorPage.Source {
        String self = "127.0.1.1";
        String leader = "127.0.1.1";
        boolean isLeader = true;
        long lastId = 41;
        final List<CuratorService.Scan> queue = new ArrayList<>();
        final ScanHistory history = new ScanHistory();
        CuratorStatus status;
        List<CuratorPage.NodeRow> nodes = List.of(new CuratorPage.NodeRow("127.0.1.1", "Leader", "UP", "UP", "1.0"),
                new CuratorPage.NodeRow("127.0.1.2", "-", "DOWN", "DOWN", "1.0 " + EVIL));

        @Override
        public String self() {
            return self;
        }

        @Override
        public String build() {
            return "1.0";
        }

        @Override
        public Instant upSince() {
            return T0;
        }

        @Override
        public Optional<String> leader() {
            return Optional.ofNullable(leader);
        }

        @Override
        public boolean isLeader() {
            return isLeader;
        }

        @Override
        public Optional<Instant> leaderSince() {
            return isLeader ? Optional.of(T0.plusSeconds(5)) : Optional.empty();
        }

        @Override
        public synchronized long start(ScanType type, String reason) {
            if (!isLeader) {
                throw new IllegalStateException("not the leader");
            }
            for (CuratorService.Scan s : queue) {
                if (s.type() == type) {
                    return s.id();
                }
            }
            CuratorService.Scan s = new CuratorService.Scan(++lastId, type, reason);
            queue.add(s);
            return s.id();
        }

        @Override
        public Optional<CuratorStatus> status() {
            return Optional.ofNullable(status);
        }

        @Override
        public synchronized List<CuratorService.Scan> queued() {
            return List.copyOf(queue);
        }

        @Override
        public ScanHistory history() {
            return history;
        }

        @Override
        public List<CuratorPage.NodeRow> nodes() {
            return nodes;
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = PageServer.start("curator-test", new CuratorPage(curator, clock, 2010, 2011), List.of(new InetSocketAddress("127.0.0.1", 0)));
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

    /** A leader that ran a full scan with a hostile reason, runs a partial one and has a full one queued. */
    void busyLeader() {
        curator.history.started(new ScanHistory.Running(40, ScanType.FULL, EVIL, T0.plusSeconds(10)));
        curator.history.finished(new ScanHistory.Entry(40, ScanType.FULL, EVIL, T0.plusSeconds(10), Duration.ofSeconds(75), 3, 2, 0,
                ScanHistory.SUCCEEDED));
        curator.queue.add(new CuratorService.Scan(41, ScanType.PARTIAL, "node failure"));
        curator.history.started(new ScanHistory.Running(41, ScanType.PARTIAL, "node failure", T0.plusSeconds(100)));
        curator.queue.add(new CuratorService.Scan(42, ScanType.FULL, "periodic (6 h)"));
        curator.status = new CuratorStatus("127.0.1.1", 40, "FULL", EVIL, "succeeded", T0.plusSeconds(10).toString(),
                T0.plusSeconds(85).toString(), 1200, 3, 0, 1, List.of(new CuratorStatus.Container(EVIL, 4, 16 << 20)),
                List.of(new CuratorStatus.Tolerance("NODE", "EXTENT_GROUPS", 1, EVIL)),
                List.of(new CuratorStatus.MapTasks("n1", "127.0.1.1", List.of(0, 3, 5), "127.0.1.1", 7, 311, null),
                        new CuratorStatus.MapTasks("n2", "127.0.1.2", List.of(1, 2, 4), "127.0.1.1", 5, 290, EVIL)));
        clock.advance(Duration.ofSeconds(130));
    }

    @Test
    void givenTheLeader_whenThePageIsFetched_thenItShowsEverySectionAndEscapesWhatNodesProvided() throws Exception {
        busyLeader();
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.body()).contains("Curator Leader", "127.0.1.1 (this node)", "Build", "Curator up since", "Curator Nodes", "Curator Jobs",
                "Background Task Stats", "MapReduce Jobs", "[0, 3, 5]", "failed: ", "Queued Curator Jobs", "Last Successful Curator Scans", "Last Published Status",
                "node failure", "periodic (6 h)", "1 min 15 s", "/master/control", "3 (GARBAGE)",
                "Chronos page: <a href=\"http://127.0.1.1:2011/\">");
        assertThat(r.body()).doesNotContain("<script>").doesNotContain("alert('x')").contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    }

    @Test
    void givenTheLeader_whenJsonIsAsked_thenItParsesWithJobsQueueAndStatus() throws Exception {
        busyLeader();
        HttpResponse<String> r = get("/?format=json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode j = json.readTree(r.body());
        assertThat(j.path("isLeader").asBoolean()).isTrue();
        assertThat(j.path("leader").asText()).isEqualTo("127.0.1.1");
        assertThat(j.path("build").asText()).isEqualTo("1.0");
        assertThat(j.path("nodes")).hasSize(2);
        assertThat(j.path("nodes").get(1).path("health").asText()).isEqualTo("DOWN");
        assertThat(j.path("running").path("executionId").asLong()).isEqualTo(41);
        assertThat(j.path("running").path("runningMillis").asLong()).isEqualTo(30_000);
        assertThat(j.path("completed").get(0).path("reason").asText()).as("raw in JSON, escaped only in HTML").isEqualTo(EVIL);
        assertThat(j.path("completed").get(0).path("durationMillis").asLong()).isEqualTo(75_000);
        assertThat(j.path("completed").get(0).path("orphansDeleted").asInt()).isEqualTo(2);
        assertThat(j.path("queued")).as("the running scan is not also queued").hasSize(1);
        assertThat(j.path("queued").get(0).path("executionId").asLong()).isEqualTo(42);
        assertThat(j.path("lastSuccessful").path("FULL").path("executionId").asLong()).isEqualTo(40);
        assertThat(j.path("lastSuccessful").has("PARTIAL")).isFalse();
        assertThat(j.path("status").path("containers").get(0).path("underReplicatedEgroups").asLong()).isEqualTo(4);
        assertThat(j.path("mapReduceJobs").isArray()).isTrue();
    }

    @Test
    void givenTheLeader_whenStartCuratorTasksIsCalled_thenTheRightTypeIsQueuedAndItsExecutionIdAnswered() throws Exception {
        HttpResponse<String> full = get("/master/api/client/StartCuratorTasks?task_type=2");
        assertThat(full.statusCode()).isEqualTo(200);
        JsonNode f = json.readTree(full.body());
        assertThat(f.path("executionId").asLong()).isEqualTo(42);
        assertThat(f.path("type").asText()).isEqualTo("FULL");
        HttpResponse<String> partial = get("/master/api/client/StartCuratorTasks?task_type=3");
        assertThat(json.readTree(partial.body()).path("executionId").asLong()).isEqualTo(43);
        assertThat(curator.queued()).extracting(CuratorService.Scan::type).containsExactly(ScanType.FULL, ScanType.PARTIAL);
        assertThat(curator.queued().getFirst().reason()).isEqualTo("manual (task_type=2)");
        // a full scan already queued: the same execution id, nothing queued twice
        assertThat(json.readTree(get("/master/api/client/StartCuratorTasks?task_type=2").body()).path("executionId").asLong()).isEqualTo(42);
        assertThat(curator.queued()).hasSize(2);
    }

    @Test
    void givenABadOrMissingTaskType_thenItIs400NamingTheAllowedValuesAndNothingIsQueued() throws Exception {
        for (String q : List.of("?task_type=7", "?task_type=full", "", "?task_type=")) {
            HttpResponse<String> r = get("/master/api/client/StartCuratorTasks" + q);
            assertThat(r.statusCode()).as(q).isEqualTo(400);
            assertThat(r.body()).as(q).contains("task_type=2 (full scan)").contains("task_type=3 (partial scan)");
        }
        assertThat(curator.queued()).isEmpty();
    }

    @Test
    void givenANonLeader_thenMasterUrlsRedirect307ToTheSameUrlOnTheLeaderAndThePageLinksToIt() throws Exception {
        curator.isLeader = false;
        curator.self = "127.0.1.2";
        curator.leader = "127.0.1.7";
        for (String url : List.of("/master/api/client/StartCuratorTasks?task_type=2", "/master/control", "/master/api/client/RefreshStats",
                "/master/api/client/StartCuratorTasks?task_type=9")) {
            HttpResponse<String> r = get(url);
            assertThat(r.statusCode()).as(url).isEqualTo(307);
            assertThat(r.headers().firstValue("Location")).as(url).hasValue("http://127.0.1.7:2010" + url);
        }
        assertThat(curator.queued()).isEmpty();
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Curator Leader: <a href=\"http://127.0.1.7:2010/\">127.0.1.7</a>").doesNotContain("(this node)");
        assertThat(json.readTree(get("/?format=json").body()).path("leader").asText()).isEqualTo("127.0.1.7");

        curator.leader = null;
        HttpResponse<String> none = get("/master/api/client/StartCuratorTasks?task_type=2");
        assertThat(none.statusCode()).isEqualTo(503);
        assertThat(none.body()).contains("no Curator leader is elected yet");
        assertThat(get("/").body()).contains("Curator Leader: none elected yet");
    }

    @Test
    void givenTheLeader_thenControlLinksBothScansAndRefreshStatsAnswersTheLastStatus() throws Exception {
        HttpResponse<String> control = get("/master/control");
        assertThat(control.statusCode()).isEqualTo(200);
        assertThat(control.body()).contains("href=\"/master/api/client/StartCuratorTasks?task_type=2\"")
                .contains("href=\"/master/api/client/StartCuratorTasks?task_type=3\"");
        assertThat(json.readTree(get("/master/api/client/RefreshStats").body()).path("status").isNull()).isTrue();
        busyLeader();
        JsonNode stats = json.readTree(get("/master/api/client/RefreshStats").body());
        assertThat(stats.path("status").path("executionId").asLong()).isEqualTo(40);
    }

    @Test
    void givenUnknownPaths_thenTheyAre404() throws Exception {
        for (String url : List.of("/nope", "/master", "/master/api/client/DeleteEverything", "/h/vars")) {
            assertThat(get(url).statusCode()).as(url).isEqualTo(404);
        }
    }

    @Test
    void durationsReadLikeThePage() {
        assertThat(CuratorPage.human(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(CuratorPage.human(Duration.ofSeconds(42))).isEqualTo("42 s");
        assertThat(CuratorPage.human(Duration.ofSeconds(185))).isEqualTo("3 min 5 s");
        assertThat(CuratorPage.human(Duration.ofMinutes(127))).isEqualTo("2 h 7 min");
        assertThat(CuratorPage.human(Duration.ofHours(76))).isEqualTo("3 d 4 h");
        assertThat(CuratorPage.human(Duration.ofSeconds(-3))).isEqualTo("0 s");
    }
}
