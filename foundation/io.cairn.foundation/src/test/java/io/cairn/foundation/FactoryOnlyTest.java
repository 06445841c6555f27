package io.cairn.foundation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.foundation.FactoryOnly.Action;
import io.cairn.foundation.FactoryOnly.Serve;

class FactoryOnlyTest {

    @TempDir
    Path tmp;

    @Test
    void givenServeSettings_whenParsed_thenFactoryByDefaultAndBadValuesRefusedByName() {
        assertThat(Serve.parse(null)).isEqualTo(Serve.FACTORY);
        assertThat(Serve.parse("factory")).isEqualTo(Serve.FACTORY);
        assertThat(Serve.parse(" Always ")).isEqualTo(Serve.ALWAYS);
        assertThatThrownBy(() -> Serve.parse("yes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cairn.foundation.serve must be factory").hasMessageContaining("not 'yes'");
    }

    @Test
    void givenNodeState_whenDeciding_thenOnlyAFactoryNodeServesUnlessAlways() {
        assertThat(FactoryOnly.startsAtBoot(Serve.FACTORY, false)).isTrue();
        assertThat(FactoryOnly.startsAtBoot(Serve.FACTORY, true)).isFalse();
        assertThat(FactoryOnly.startsAtBoot(Serve.ALWAYS, true)).isTrue();
        assertThat(FactoryOnly.decide(Serve.FACTORY, false, false)).isEqualTo(Action.SERVE);
        assertThat(FactoryOnly.decide(Serve.FACTORY, false, true)).isEqualTo(Action.SERVE);
        assertThat(FactoryOnly.decide(Serve.FACTORY, true, false)).isEqualTo(Action.STOP);
        assertThat(FactoryOnly.decide(Serve.FACTORY, true, true)).isEqualTo(Action.DEFER);
        assertThat(FactoryOnly.decide(Serve.ALWAYS, true, false)).isEqualTo(Action.SERVE);
    }

    @Test
    void givenClusterConfiguration_whenRead_thenItsNameAndAnUnreadableOneStillCountsAsConfigured() throws IOException {
        Path home = tmp.resolve("n");
        assertThat(FactoryOnly.cluster(home)).isEmpty();
        configure(home, "lab");
        assertThat(FactoryOnly.cluster(home)).contains("lab");
        Files.writeString(home.resolve(FactoryOnly.CONFIG), "{not json");
        assertThat(FactoryOnly.cluster(home)).contains("(unreadable data/cluster/cluster.json)");
    }

    @Test
    void givenFactoryNode_whenItJoins_thenStopRunsOnceAndTheLineIsLogged() throws Exception {
        Path home = tmp.resolve("n");
        Files.createDirectories(home.resolve("data"));
        AtomicInteger stops = new AtomicInteger();
        CopyOnWriteArrayList<String> lines = new CopyOnWriteArrayList<>();
        AtomicBoolean busy = new AtomicBoolean(true);
        try (FactoryOnly w = FactoryOnly.watch(home, busy::get, stops::incrementAndGet, lines::add)) {
            pause(1500);
            assertThat(stops).hasValue(0);
            long t0 = System.nanoTime();
            configure(home, "c1"); // creates data/cluster too: the watch moves from data/ to data/cluster/
            waitUntil(() -> !lines.isEmpty(), 10_000);
            assertThat(lines).singleElement().asString().contains("node joined cluster c1 while a Foundation run is in progress");
            assertThat(stops).as("a run in progress defers the stop").hasValue(0);
            busy.set(false);
            waitUntil(() -> stops.get() == 1, 10_000);
            System.out.printf("join seen and stop run %d ms after cluster.json appeared (run ended in between)%n",
                    (System.nanoTime() - t0) / 1_000_000);
            pause(1500);
            assertThat(stops).hasValue(1);
            assertThat(lines).hasSize(2).last().isEqualTo(
                    "Foundation stopped: node joined cluster c1; expand the cluster through Prism (ncli cluster add-node)");
        }
    }

    @Test
    void givenFactoryNodeFoundation_whenClusterJsonAppears_thenPort8000IsRefusedAndAConfiguredNodeDoesNotStartIt() throws Exception {
        Path home = tmp.resolve("node1");
        Files.createDirectories(home.resolve("data"));
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AutoCloseable f;
        InetSocketAddress at;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            f = NodeFoundation.start(home, "127.0.0.1", Map.of("cairn.foundation.listen", "127.0.0.1:0"));
            String base = f.toString().replace("/gui/index.html", "");
            at = new InetSocketAddress("127.0.0.1", URI.create(base).getPort());
            HttpResponse<String> gui = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/gui/index.html")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(gui.statusCode()).isEqualTo(200);
            long t0 = System.nanoTime();
            configure(home, "c2");
            waitUntil(() -> refused(at), 10_000);
            System.out.printf("Foundation refused connections %d ms after cluster.json appeared%n", (System.nanoTime() - t0) / 1_000_000);
            f.close(); // after the watch stopped it: harmless
            assertThat(NodeFoundation.start(home, "127.0.0.1", Map.of("cairn.foundation.listen", "127.0.0.1:0")))
                    .as("a configured node does not start it").isNull();
        } finally {
            System.setErr(before);
        }
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("[foundation] Foundation stopped: node joined cluster c2; expand the cluster through Prism (ncli cluster add-node)")
                .contains("[foundation] Foundation not started: node is a member of cluster c2; expand the cluster through Prism");
        try (AutoCloseable lab = NodeFoundation.start(home, "127.0.0.1",
                Map.of("cairn.foundation.listen", "127.0.0.1:0", "cairn.foundation.serve", "always"))) {
            assertThat(lab).as("serve=always keeps a configured node's Foundation").isNotNull();
            String base = lab.toString().replace("/gui/index.html", "");
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/gui/index.html")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThatThrownBy(() -> NodeFoundation.start(home, "127.0.0.1", Map.of("cairn.foundation.serve", "sometimes")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cairn.foundation.serve");
    }

    private static boolean refused(InetSocketAddress at) {
        try (Socket s = new Socket()) {
            s.connect(at, 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void configure(Path home, String name) throws IOException {
        Files.createDirectories(home.resolve("data/cluster"));
        Path tmp = home.resolve("data/cluster/cluster.json.tmp");
        Files.writeString(tmp, "{\"name\":\"" + name + "\",\"nodes\":[]}");
        Files.move(tmp, home.resolve(FactoryOnly.CONFIG), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void waitUntil(java.util.function.BooleanSupplier c, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!c.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within " + millis + " ms").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

}
