package io.cairn.foundation.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The applet's TCP proxy against real sockets on 127.0.0.1 (ephemeral ports). */
class TcpProxyTest {

    private static final InetSocketAddress ANY_LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void givenAnEchoTarget_whenBytesSentBothWays_thenTheyArriveIntactAndHalfCloseIsPassedOn() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                TcpProxy proxy = TcpProxy.bind(ANY_LOCAL)) {
            // the target reads everything to end of stream, then answers with its reverse and closes
            // own threads: the common pool may have a single thread, and these two tasks wait on each other
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
            CompletableFuture<byte[]> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket s = target.accept()) {
                    byte[] all = s.getInputStream().readAllBytes();
                    byte[] rev = new byte[all.length];
                    for (int i = 0; i < all.length; i++) {
                        rev[i] = all[all.length - 1 - i];
                    }
                    s.getOutputStream().write(rev);
                    return all;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, pool);
            proxy.start((InetSocketAddress) target.getLocalSocketAddress());
            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new Random(7).nextBytes(data);
            try (Socket c = new Socket()) {
                c.connect(proxy.address(), 5000);
                c.setSoTimeout(20_000);
                OutputStream out = c.getOutputStream();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(data);
                        c.shutdownOutput(); // the target only answers after end of stream: the half-close must pass through
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, pool);
                byte[] back = c.getInputStream().readAllBytes(); // ends when the target closes: the close must pass through
                writer.get(20, TimeUnit.SECONDS);
                assertThat(seen.get(20, TimeUnit.SECONDS)).isEqualTo(data);
                assertThat(back).hasSize(data.length);
                for (int i = 0; i < data.length; i++) {
                    if (back[i] != data[data.length - 1 - i]) {
                        throw new AssertionError("byte " + i + " differs");
                    }
                }
            }
            assertThat(proxy.connections()).isEqualTo(1);
        }
    }

    @Test
    void givenTheClientCloses_whenRelaying_thenTheTargetSeesEndOfStream() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                TcpProxy proxy = TcpProxy.bind(ANY_LOCAL)) {
            proxy.start((InetSocketAddress) target.getLocalSocketAddress());
            try (Socket c = new Socket()) {
                c.connect(proxy.address(), 5000);
                c.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                try (Socket s = target.accept()) {
                    s.setSoTimeout(20_000);
                    InputStream in = s.getInputStream();
                    assertThat(new String(in.readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("hello");
                    c.close();
                    assertThat(in.read()).as("end of stream after the client closed").isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void givenTheTargetCloses_whenRelaying_thenTheClientSeesEndOfStream() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                TcpProxy proxy = TcpProxy.bind(ANY_LOCAL)) {
            proxy.start((InetSocketAddress) target.getLocalSocketAddress());
            try (Socket c = new Socket()) {
                c.connect(proxy.address(), 5000);
                c.setSoTimeout(20_000);
                try (Socket s = target.accept()) {
                    s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
                }
                assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("bye");
            }
        }
    }

    @Test
    void givenATargetThatDoesNotListen_whenConnected_thenTheClientIsClosed() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        try (TcpProxy proxy = TcpProxy.bind(ANY_LOCAL)) {
            proxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), dead));
            try (Socket c = new Socket()) {
                c.connect(proxy.address(), 5000);
                c.setSoTimeout(20_000);
                assertThat(c.getInputStream().read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void givenThePortIsBusy_whenBound_thenTheErrorNamesTheAddress() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = (InetSocketAddress) busy.getLocalSocketAddress();
            assertThatThrownBy(() -> TcpProxy.bind(at)).isInstanceOf(IOException.class)
                    .hasMessageContaining("127.0.0.1:" + at.getPort() + " is busy").hasMessageContaining("--listen");
            // the applet reports it before querying any link, exit 1
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = AppletCommand.run(List.of("--listen", "127.0.0.1:" + at.getPort(), "--pick", "1"), InputStream.nullInputStream(), false,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(rc).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("127.0.0.1:" + at.getPort() + " is busy");
        }
    }

    @Test
    void givenBadArguments_whenRun_thenUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(AppletCommand.run(List.of("--node", "x", "--pick", "1"), InputStream.nullInputStream(), false, o, e)).isEqualTo(2);
        assertThat(AppletCommand.run(List.of("--listen", "nowhere"), InputStream.nullInputStream(), false, o, e)).isEqualTo(2);
        assertThat(AppletCommand.run(List.of("--pick", "one"), InputStream.nullInputStream(), false, o, e)).isEqualTo(2);
        assertThat(AppletCommand.run(List.of("--timeout", "0"), InputStream.nullInputStream(), false, o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not both").contains("--listen must be ADDRESS:PORT")
                .contains("--pick must be a node's number").contains("foundation applet: --timeout must be seconds in (0, 60], not '0'");
        // discover checks --timeout the same way
        assertThat(DiscoverCommand.run(List.of("--timeout", "61"), o, e)).isEqualTo(2);
        assertThat(DiscoverCommand.run(List.of("--timeout", "soon"), o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("foundation discover: --timeout must be seconds in (0, 60], not '61'")
                .contains("foundation discover: --timeout must be seconds in (0, 60], not 'soon'");
    }

    @Test
    void givenAProxy_whenClosed_thenOpenConnectionsAreClosed() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            TcpProxy proxy = TcpProxy.bind(ANY_LOCAL).connectTimeout(Duration.ofSeconds(5));
            proxy.start((InetSocketAddress) target.getLocalSocketAddress());
            try (Socket c = new Socket()) {
                c.connect(proxy.address(), 5000);
                c.setSoTimeout(20_000);
                try (Socket s = target.accept()) {
                    s.setSoTimeout(20_000);
                    proxy.close();
                    assertThat(c.getInputStream().read()).isEqualTo(-1);
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                }
            }
            // and it no longer accepts
            try (Socket late = new Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.connect(proxy.address(), 5000))
                        .isInstanceOf(java.net.ConnectException.class);
            }
        }
    }

    @Test
    void givenATerminal_whenTheUserTypesNonsenseThenANumber_thenThatNodeIsChosen() throws Exception {
        List<io.cairn.cluster.rpc.discovery.DiscoveryClient.Found> found = new java.util.ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            found.add(new io.cairn.cluster.rpc.discovery.DiscoveryClient.Found(new io.cairn.cluster.rpc.discovery.NodeAdvert("uuid-" + i,
                    "factory", List.of(), "fe80::" + i + "%eth0", "B", "A", "KVM", "", "", 2100), "multicast:eth0"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        var chosen = AppletCommand.ask(found, new java.io.ByteArrayInputStream("x\n7\n2\n".getBytes(StandardCharsets.UTF_8)), o, o);
        assertThat(chosen.advert().uuid()).isEqualTo("uuid-2");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("node to proxy to [1-3]: ").contains("type a number from 1 to 3");
        assertThat(AppletCommand.ask(found, InputStream.nullInputStream(), o, o)).as("end of input: none").isNull();
    }
}
