package io.cairn.hal.qemu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.hal.api.hypervisor.GuestEvent;

/** QMP framing against a scripted monitor on a unix socket. */
class QmpClientTest {

    @TempDir
    Path tmp;

    /** A fake QEMU monitor: greets, then answers each command by name. */
    private Thread monitor(Path socket, ServerSocketChannel server) {
        return Thread.ofVirtual().start(() -> {
            try (SocketChannel c = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(Channels.newOutputStream(c), true, StandardCharsets.UTF_8);
                out.println("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": []}}");
                for (String line; (line = in.readLine()) != null;) {
                    String id = line.replaceAll(".*\"id\":(\\d+).*", "$1");
                    if (line.contains("\"query-status\"")) {
                        out.println("{\"event\": \"STOP\", \"data\": {}, \"timestamp\": {\"seconds\": 1}}");
                        out.println("{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": " + id + "}");
                    } else if (line.contains("\"device_add\"")) {
                        out.println("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Duplicate device ID 'n1'\"}, \"id\": "
                                + id + "}");
                    } else if (line.contains("\"silent\"")) {
                        continue; // never answered
                    } else {
                        out.println("{\"return\": {}, \"id\": " + id + "}");
                    }
                }
            } catch (Exception e) {
                // test finished
            }
        });
    }

    @Test
    void givenMonitor_whenCommandsSent_thenAnswersErrorsEventsAndTimeoutsAreMatched() throws Exception {
        Path socket = tmp.resolve("qmp.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread t = monitor(socket, server);
            try (QmpClient qmp = new QmpClient(socket, Duration.ofMillis(500))) {
                List<GuestEvent> events = new CopyOnWriteArrayList<>();
                qmp.onEvent(events::add);
                assertThat(qmp.execute("query-status", Map.of())).isEqualTo(Map.of("status", "paused", "running", false));
                assertThat(events).extracting(GuestEvent::name).containsExactly("STOP");
                assertThatThrownBy(() -> qmp.execute("device_add", Map.of("id", "n1", "driver", "virtio-net-device")))
                        .hasMessage("QEMU refused: GenericError: Duplicate device ID 'n1'");
                assertThatThrownBy(() -> qmp.execute("silent", Map.of())).hasMessageContaining("got no answer within");
                assertThat(qmp.execute("cont", Map.of())).isEqualTo(Map.of());
            } finally {
                t.interrupt();
            }
        }
    }
}
