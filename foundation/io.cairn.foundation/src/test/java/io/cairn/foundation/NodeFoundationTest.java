package io.cairn.foundation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

class NodeFoundationTest {

    @TempDir
    Path tmp;

    @Test
    void givenALoopbackNode_whenAuto_thenItListensOnItsOwnAddress_elseOnTheWildcard() {
        assertThat(NodeFoundation.listenAddress("auto", "127.0.1.5")).isEqualTo(new InetSocketAddress("127.0.1.5", 8000));
        InetSocketAddress any = NodeFoundation.listenAddress("auto", "198.18.20.11");
        assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
        assertThat(any.getPort()).isEqualTo(8000);
        assertThat(NodeFoundation.listenAddress("[::1]:8001", "127.0.1.5")).isEqualTo(new InetSocketAddress("::1", 8001));
    }

    @Test
    void givenANodeHome_whenStarted_thenGuiAndNodeResourceAnswer() throws Exception {
        Path home = tmp.resolve("node1");
        Files.createDirectories(home.resolve("data/identity"));
        Files.writeString(home.resolve("data/identity/node.json"),
                "{\"uuid\":\"3e9d9091-83d8-411a-be6a-3e22d299a650\",\"rack\":\"rack-1\",\"block\":\"block-3e9d9091\"}");
        Files.writeString(home.resolve("node.json"), "{\"serial\":\"SN-1\",\"block\":\"BLK\",\"position\":\"A\"}");
        try (AutoCloseable f = NodeFoundation.start(home, "127.0.0.1", Map.of("cairn.foundation.listen", "127.0.0.1:0"))) {
            String base = f.toString().replace("/gui/index.html", "");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> gui = http.send(HttpRequest.newBuilder(URI.create(base + "/gui/index.html")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(gui.statusCode()).isEqualTo(200);
            assertThat(gui.body()).contains("Foundation");
            HttpResponse<String> node = http.send(HttpRequest.newBuilder(URI.create(base + "/foundation/v1/node")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode n = Json.MAPPER.readTree(node.body());
            assertThat(n.path("uuid").asText()).isEqualTo("3e9d9091-83d8-411a-be6a-3e22d299a650");
            assertThat(n.path("serial").asText()).isEqualTo("SN-1");
            assertThat(n.path("state").asText()).isEqualTo("factory");
            assertThat(home.resolve("data/foundation/store")).isDirectory();
        }
    }

    @Test
    void givenListenOff_whenStarted_thenNothing() throws Exception {
        assertThat(NodeFoundation.start(tmp, "127.0.0.1", Map.of("cairn.foundation.listen", "off"))).isNull();
    }
}
