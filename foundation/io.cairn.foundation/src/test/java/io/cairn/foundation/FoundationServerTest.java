package io.cairn.foundation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.common.clock.ThreadClock;
import io.cairn.foundation.disks.NodeDisks;

/** Foundation's REST API without a cluster: the installer store upload and the device layout resource. */
class FoundationServerTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void givenUploads_thenGoodFilesLandInTheStoreAtomically_andBadNamesOrEmptyBodiesAreRefused() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path nodes = Files.createDirectories(dir.resolve("nodes"));
        try (ThreadClock clock = new ThreadClock("fst", 1);
                FoundationServer server = new FoundationServer(new InetSocketAddress("127.0.0.1", 0), nodes, store, dir.resolve("trust"), clock)) {
            server.start();
            String base = "http://127.0.0.1:" + server.address().getPort() + "/foundation/v1/";
            byte[] archive = new byte[3 << 20];
            new java.util.Random(3).nextBytes(archive);
            HttpResponse<String> up = send(HttpRequest.newBuilder(URI.create(base + "images/cairn-x-1.0.tar.gz"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(archive)));
            assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
            assertThat(Json.MAPPER.readTree(up.body()).get("bytes").asLong()).isEqualTo(archive.length);
            assertThat(Files.readAllBytes(store.resolve("cairn-x-1.0.tar.gz"))).isEqualTo(archive);
            try (var s = Files.list(store)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactly("cairn-x-1.0.tar.gz");
            }
            // no metadata or signature yet: listed, refused, with the reason
            JsonNode images = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base + "images")).GET()).body());
            assertThat(images).hasSize(1);
            assertThat(images.get(0).get("signed").asBoolean()).isFalse();
            assertThat(images.get(0).get("refused").asText()).isNotBlank();

            for (String bad : new String[] {"..%2F..%2Fetc%2Fpasswd.tar.gz", "x.exe", ".hidden.tar.gz"}) {
                HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "images/" + bad))
                        .PUT(HttpRequest.BodyPublishers.ofString("x")));
                assertThat(r.statusCode()).as(bad + ": " + r.body()).isIn(400, 404);
            }
            HttpResponse<String> empty = send(HttpRequest.newBuilder(URI.create(base + "images/cairn-x-1.0.metadata.json"))
                    .PUT(HttpRequest.BodyPublishers.noBody()));
            assertThat(empty.statusCode()).isEqualTo(400);
            assertThat(empty.body()).contains("is empty");
            try (var s = Files.list(store)) {
                assertThat(s.map(p -> p.getFileName().toString())).as("refused uploads leave nothing").containsExactly("cairn-x-1.0.tar.gz");
            }
        }
    }

    @Test
    void givenABareNodeWithDisks_whenItsLayoutIsAsked_thenPerDiskLayersForTheRf_andBadQueriesSayWhatToGive() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path nodes = Files.createDirectories(dir.resolve("nodes"));
        Path home = Files.createDirectories(nodes.resolve("node1"));
        Json.write(home.resolve(NodeHome.MANIFEST), Map.of("serial", "S1", "block", "B1", "position", "A",
                "bmc", Map.of("type", "process", "start", java.util.List.of("/bin/true"), "stop", java.util.List.of("/bin/true")),
                "disks", NodeDisks.create(home, "S1", NodeDisks.parseSpec("ssd:2x1T,hdd:1x4T"))));
        try (ThreadClock clock = new ThreadClock("fst", 1);
                FoundationServer server = new FoundationServer(new InetSocketAddress("127.0.0.1", 0), nodes, store, dir.resolve("trust"), clock)) {
            server.start();
            String base = "http://127.0.0.1:" + server.address().getPort() + "/foundation/v1/";
            HttpResponse<String> r2 = send(HttpRequest.newBuilder(URI.create(base + "layout?home=node1&rf=2")).GET());
            assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
            JsonNode l2 = Json.MAPPER.readTree(r2.body());
            assertThat(l2.get("disks")).hasSize(3);
            assertThat(l2.get("disks").get(2).get("layers").findValuesAsText("layer")).containsExactly("CURATOR", "EXTENT_STORE");
            JsonNode l3 = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base + "layout?home=node1&rf=3")).GET()).body());
            assertThat(oplog(l3)).isGreaterThan(oplog(l2));

            JsonNode listed = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base + "nodes")).GET()).body());
            assertThat(listed.get(0).get("disks").findValuesAsText("kind")).containsExactly("SSD", "SSD", "HDD");

            assertThat(send(HttpRequest.newBuilder(URI.create(base + "layout?home=node1&rf=4")).GET()).body()).contains("rf must be 2 or 3");
            assertThat(send(HttpRequest.newBuilder(URI.create(base + "layout?home=../../etc")).GET()).body()).contains("no node '../../etc'");
            assertThat(send(HttpRequest.newBuilder(URI.create(base + "layout")).GET()).body()).contains("give the node");
        }
    }

    private static long oplog(JsonNode layout) {
        for (JsonNode l : layout.get("disks").get(0).get("layers")) {
            if (l.get("layer").asText().equals("OPLOG")) {
                return l.get("sizeBytes").asLong();
            }
        }
        throw new AssertionError("no OPLOG layer in " + layout);
    }

    /**
     * {@link FoundationServer#busy} (what keeps a joining node's Foundation open, {@link FactoryOnly}):
     * true from the start of a run until its ended state has been fetched, or until 60 s of the clock
     * have passed after its end. The runs here fail in validation (one node, no image).
     */
    @Test
    void givenARun_whenItEnds_thenBusyUntilItsResultIsFetchedOrTheGraceHasPassed() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path nodes = Files.createDirectories(dir.resolve("nodes"));
        io.cairn.common.clock.ManualClock clock = new io.cairn.common.clock.ManualClock();
        String form = """
                {"cluster": {"name": "b1"}, "cvm": {"netmask": "255.255.255.0", "gateway": "127.0.1.254"},
                 "image": {"archive": "none.tar.gz"}, "admin": "admin",
                 "nodes": [{"home": "n1", "cvm_ip": "127.0.1.213"}]}""";
        try (FoundationServer server = new FoundationServer(new InetSocketAddress("127.0.0.1", 0), nodes, store, dir.resolve("trust"), clock)) {
            server.start();
            String base = "http://127.0.0.1:" + server.address().getPort() + "/foundation/v1/runs";
            assertThat(server.busy()).as("no run yet").isFalse();
            HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(form)));
            assertThat(post.statusCode()).as(post.body()).isEqualTo(202);
            String id = Json.MAPPER.readTree(post.body()).path("id").asText();
            assertThat(server.busy()).as("running, or ended with its result not fetched").isTrue();
            String state = "running";
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (state.equals("running")) {
                assertThat(System.nanoTime()).as("the run ends").isLessThan(deadline);
                Thread.sleep(50);
                state = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base + "/" + id))).body()).path("state").asText();
            }
            assertThat(state).isEqualTo("failed");
            assertThat(server.busy()).as("its end was fetched").isFalse();

            HttpResponse<String> second = send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(form)));
            assertThat(second.statusCode()).as(second.body()).isEqualTo(202);
            assertThat(server.busy()).isTrue();
            deadline = System.nanoTime() + 30_000_000_000L;
            int advances = 0;
            while (server.busy()) { // each advance is 59 s: not busy only once the run ended at least one advance earlier
                assertThat(System.nanoTime()).as("the second run ends").isLessThan(deadline);
                Thread.sleep(50);
                clock.advance(Duration.ofSeconds(59));
                advances++;
            }
            assertThat(advances).as("59 s after its end it still waits for the result to be fetched").isGreaterThanOrEqualTo(2);
            assertThat(Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base + "/" + Json.MAPPER.readTree(second.body())
                    .path("id").asText()))).body()).path("state").asText()).isEqualTo("failed");
        }
    }
}
