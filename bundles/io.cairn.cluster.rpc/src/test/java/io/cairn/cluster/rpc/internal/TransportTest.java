package io.cairn.cluster.rpc.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.cluster.rpc.RpcStream;
import io.cairn.cluster.rpc.RpcStreamHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** The transport end to end: real TLS 1.3 sockets on 127.0.0.1, a {@link TlsServer} and {@link TlsRpcClient}s. */
@Timeout(20)
class TransportTest {

    private static final String LOCAL = "127.0.0.1";
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static ClusterCa ca;
    private static ClusterCa otherCa;
    private static Credentials node;
    private static Credentials admin;

    private final Map<String, TlsServer.Method> methods = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closeAfter = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void pki() {
        ca = ClusterCa.create("test", Duration.ofDays(1));
        otherCa = ClusterCa.create("other", Duration.ofDays(1));
        node = ca.issueCredentials("node:server", List.of(LOCAL), Duration.ofDays(1));
        admin = ca.issueCredentials("admin", List.of(), Duration.ofDays(1));
    }

    @AfterEach
    void closeAll() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(closeAfter);
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            c.close();
        }
    }

    // ---------------------------------------------------------------- request/response

    @Test
    void givenClusterCredentials_whenCalling_thenHandlerSeesCallerAndReplies() {
        unary("echo", false, call -> (call.principal() + "|" + new String(call.body(), UTF_8)).getBytes(UTF_8));
        TlsServer server = clusterServer();
        RpcClient client = client(admin);

        byte[] reply = client.call(address(server), "echo", "hi".getBytes(UTF_8), DEADLINE);

        assertThat(new String(reply, UTF_8)).isEqualTo("admin|hi");
        assertThat(client.callAsync(address(server), "echo", "async".getBytes(UTF_8), DEADLINE).join()).asString(UTF_8)
                .isEqualTo("admin|async");
    }

    @Test
    void givenClientOfAnotherCa_whenCalling_thenUnauthenticated() {
        unary("echo", false, call -> call.body());
        TlsServer server = clusterServer();
        Credentials stranger = otherCa.issueCredentials("admin", List.of(), Duration.ofDays(1));

        assertThatThrownBy(() -> client(stranger).call(address(server), "echo", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED))
                .hasMessageContaining("the certificates do not match this cluster");
    }

    @Test
    void givenClientCertificateOfAnotherCa_whenServerChecksIt_thenUnauthenticated() {
        unary("echo", false, call -> call.body());
        TlsServer server = clusterServer();
        Credentials foreign = otherCa.issueCredentials("admin", List.of(), Duration.ofDays(1));
        // trusts our CA (so the client accepts the server) but presents a certificate of another CA
        Credentials mixed = new Credentials(foreign.key(), foreign.certificate(), ca.certificate());

        assertThatThrownBy(() -> client(mixed).call(address(server), "echo", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.UNAUTHENTICATED))
                .hasMessageContaining("the certificates do not match this cluster");
    }

    @Test
    void givenClusterServer_whenClientHasNoCertificate_thenUnauthenticated() {
        unary("join", true, call -> call.body());
        TlsServer server = clusterServer();

        assertThatThrownBy(() -> bootstrapClient().call(address(server), "join", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED))
                .hasMessageContaining("requires a client certificate");
    }

    @Test
    void givenServerCertificateForAnotherAddress_whenCalling_thenUnauthenticatedNamingBoth() {
        unary("echo", false, call -> call.body());
        Credentials elsewhere = ca.issueCredentials("node:elsewhere", List.of("10.9.9.9"), Duration.ofDays(1));
        TlsServer server = server(Tls.clusterSetup(elsewhere.key(), elsewhere.certificate(), elsewhere.ca()), 64);

        assertThatThrownBy(() -> client(admin).call(address(server), "echo", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED))
                .hasMessageContaining("server at " + address(server) + " presented a certificate for node:elsewhere [10.9.9.9]");
    }

    @Test
    void givenFactoryServer_whenBootstrapClientCalls_thenOnlyBootstrapMethodsAnswerAndFingerprintIsKept() {
        unary("join", true, call -> call.principal().getBytes(UTF_8));
        unary("secret", false, call -> "leak".getBytes(UTF_8));
        var kp = Pki.newKeyPair();
        var selfSigned = Pki.selfSigned(kp, "node-factory:" + LOCAL, List.of(LOCAL), Duration.ofDays(1));
        TlsServer server = server(Tls.factorySetup(kp.getPrivate(), selfSigned), 64);
        RpcClient client = bootstrapClient();

        assertThat(client.call(address(server), "join", new byte[0], DEADLINE)).asString(UTF_8).isEqualTo("anonymous");
        assertThat(Rpc.lastFingerprint(client, address(server))).isEqualTo(Pem.fingerprint(selfSigned));
        assertThatThrownBy(() -> client.call(address(server), "secret", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED))
                .hasMessage("controller 127.0.0.1 is not part of a cluster yet; only bootstrap calls are served");
        // a cluster client does not trust a factory node's self-signed certificate
        assertThatThrownBy(() -> client(admin).call(address(server), "join", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED));
    }

    @Test
    void givenUnknownMethod_whenCalling_thenNoSuchMethod() {
        TlsServer server = clusterServer();

        assertThatThrownBy(() -> client(admin).call(address(server), "nope", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NO_SUCH_METHOD);
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                })
                .hasMessage("no method 'nope' on controller 127.0.0.1");
    }

    @Test
    void givenHandlerThrowsCairnException_whenCalling_thenRemoteCodeAndMessagePreserved() {
        unary("fail", false, call -> {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "container 'ctr1' has RF3 but the cluster has 4 nodes; RF3 needs 5");
        });
        TlsServer server = clusterServer();

        assertThatThrownBy(() -> client(admin).call(address(server), "fail", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REMOTE);
                    assertThat(e.remoteCode()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
                    assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
                })
                .hasMessage("container 'ctr1' has RF3 but the cluster has 4 nodes; RF3 needs 5");
    }

    @Test
    void givenHandlerThrowsUnexpectedException_whenCalling_thenInternalNamingMethodAndNode() {
        unary("bug", false, call -> {
            throw new IllegalStateException("boom");
        });
        TlsServer server = clusterServer();

        assertThatThrownBy(() -> client(admin).call(address(server), "bug", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.remoteCode()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage("bug failed on 127.0.0.1: java.lang.IllegalStateException: boom");
    }

    @Test
    void givenSlowHandler_whenDeadlinePasses_thenDeadlineExceededPromptly() {
        unary("slow", false, call -> {
            Thread.sleep(5_000);
            return new byte[0];
        });
        unary("ping", false, call -> new byte[0]);
        TlsServer server = clusterServer();
        RpcClient client = client(admin);
        client.call(address(server), "ping", new byte[0], DEADLINE); // connected: the deadline below covers the call only

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.call(address(server), "slow", new byte[0], Duration.ofMillis(300)))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED))
                .hasMessageContaining("within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void givenDeadlineAlreadyPassedOnArrival_whenServerReceivesCall_thenNotRun() {
        AtomicBoolean ran = new AtomicBoolean();
        unary("work", false, call -> {
            ran.set(true);
            return new byte[0];
        });
        TlsServer server = clusterServer();
        // a client whose clock is a minute behind sends deadlines already past for the server
        InstantSource behind = () -> Instant.now().minus(Duration.ofMinutes(1));
        TlsRpcClient client = register(TlsRpcClient.mutual(admin, behind));

        assertThatThrownBy(() -> client.call(address(server), "work", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED))
                .hasMessageContaining("after its deadline; it was not run");
        assertThat(ran).isFalse();
    }

    @Test
    void givenPendingCall_whenServerIsKilled_thenPeerLostQuickly() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        unary("hang", false, call -> {
            entered.countDown();
            new CountDownLatch(1).await();
            return new byte[0];
        });
        TlsServer server = clusterServer();
        RpcClient client = client(admin);
        CompletableFuture<byte[]> pending = client.callAsync(address(server), "hang", new byte[0], Duration.ofSeconds(30));
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        server.close();

        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PEER_LOST))
                .hasMessageStartingWith("connection to " + address(server) + " lost while waiting for hang: ");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void givenBrokenConnection_whenCallingAgain_thenANewConnectionServes() throws Exception {
        unary("echo", false, call -> call.body());
        TlsServer first = clusterServer();
        int port = first.port();
        RpcClient client = client(admin);
        assertThat(client.call(address(first), "echo", new byte[] {1}, DEADLINE)).containsExactly(1);

        first.close();
        TlsServer second = register(new TlsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                Tls.clusterSetup(node.key(), node.certificate(), node.ca()), methods::get, new TlsServer.Limits(64, 16),
                InstantSource.system(), LOCAL));

        // the first call after the break may still find the dead connection; the next one reconnects
        eventually(() -> {
            try {
                return client.call(address(second), "echo", new byte[] {2}, DEADLINE)[0] == 2;
            } catch (RpcException e) {
                assertThat(e.reason()).isEqualTo(Reason.PEER_LOST);
                return false;
            }
        });
        assertThat(second.acceptedConnections()).isEqualTo(1);
    }

    @Test
    void givenNothingListening_whenCalling_thenPeerUnreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String address = LOCAL + ":" + port;

        assertThatThrownBy(() -> client(admin).call(address, "echo", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PEER_UNREACHABLE))
                .hasMessageStartingWith("cannot reach controller at " + address + ": ").hasMessageEndingWith("; is it running?");
    }

    @Test
    void givenClosedClient_whenCallWasPending_thenCancelled() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        unary("hang", false, call -> {
            entered.countDown();
            Thread.sleep(10_000);
            return new byte[0];
        });
        TlsServer server = clusterServer();
        TlsRpcClient client = TlsRpcClient.mutual(admin);
        CompletableFuture<byte[]> pending = client.callAsync(address(server), "hang", new byte[0], Duration.ofSeconds(30));
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

        client.close();

        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
        assertThatThrownBy(() -> client.call(address(server), "hang", new byte[0], DEADLINE))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    }

    @Test
    void given200CallsFrom8Threads_whenCallingConcurrently_thenAllSucceedOnOneConnection() throws Exception {
        unary("double", false, call -> {
            int v = ByteBuffer.wrap(call.body()).getInt();
            return ByteBuffer.allocate(4).putInt(v * 2).array();
        });
        TlsServer server = clusterServer();
        RpcClient client = client(admin);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int v = i;
                results.add(pool.submit(() -> {
                    byte[] r = client.call(address(server), "double", ByteBuffer.allocate(4).putInt(v).array(), DEADLINE);
                    return ByteBuffer.wrap(r).getInt() == v * 2;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get(10, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.acceptedConnections()).isEqualTo(1);
    }

    @Test
    void givenConnectionLimit_whenMoreCallsArrive_thenAtMostLimitRunAndAllComplete() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        unary("work", false, call -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            Thread.sleep(20);
            running.decrementAndGet();
            return new byte[0];
        });
        TlsServer server = server(Tls.clusterSetup(node.key(), node.certificate(), node.ca()), 4);
        RpcClient client = client(admin);

        List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            calls.add(client.callAsync(address(server), "work", new byte[0], DEADLINE));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        assertThat(maxRunning.get()).isBetween(1, 4);
    }

    // ---------------------------------------------------------------- streams

    @Test
    void givenStreamOf1000Messages_whenReading_thenAllArriveInOrderThenEnd() {
        stream("count", (call, sink) -> {
            for (int i = 0; i < 1000; i++) {
                sink.send(ByteBuffer.allocate(4).putInt(i).array());
            }
        });
        TlsServer server = clusterServer();

        try (RpcStream s = client(admin).stream(address(server), "count", new byte[0], Duration.ofSeconds(10))) {
            for (int i = 0; i < 1000; i++) {
                Optional<byte[]> m = s.next();
                assertThat(m).isPresent();
                assertThat(ByteBuffer.wrap(m.get()).getInt()).isEqualTo(i);
            }
            assertThat(s.next()).isEmpty();
            assertThat(s.next()).isEmpty();
        }
    }

    @Test
    void givenClientNotReading_whenStreaming_thenSenderStopsAtTheCredit() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        stream("firehose", (call, sink) -> {
            for (int i = 0; i < 100; i++) {
                sink.send(new byte[] {(byte) i});
                sent.incrementAndGet();
            }
        });
        TlsServer server = clusterServer();

        try (RpcStream s = client(admin).stream(address(server), "firehose", new byte[0], Duration.ofSeconds(15))) {
            eventually(() -> sent.get() >= TlsRpcClient.STREAM_CREDIT);
            Thread.sleep(300); // give an unbounded sender time to overrun
            assertThat(sent.get()).isEqualTo(TlsRpcClient.STREAM_CREDIT);

            for (int i = 0; i < 100; i++) {
                assertThat(s.next()).hasValueSatisfying(m -> assertThat(m).hasSize(1));
            }
            assertThat(s.next()).isEmpty();
            assertThat(sent.get()).isEqualTo(100);
        }
    }

    @Test
    void givenOpenStream_whenClientCloses_thenSinkReportsCancelled() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        stream("endless", (call, sink) -> {
            try {
                while (!sink.cancelled()) {
                    sink.send(new byte[] {7});
                }
            } finally {
                if (sink.cancelled()) {
                    cancelled.countDown();
                }
            }
        });
        TlsServer server = clusterServer();
        RpcStream s = client(admin).stream(address(server), "endless", new byte[0], Duration.ofSeconds(15));
        assertThat(s.next()).isPresent();
        assertThat(s.next()).isPresent();

        s.close();

        assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(s::next).isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    }

    @Test
    void givenStreamHandlerFails_whenReading_thenErrorAfterTheMessagesSent() {
        stream("half", (call, sink) -> {
            sink.send(new byte[] {1});
            throw new CairnException(ErrorCode.RESOURCE_EXHAUSTED, "disk full on 127.0.0.1");
        });
        TlsServer server = clusterServer();

        try (RpcStream s = client(admin).stream(address(server), "half", new byte[0], DEADLINE)) {
            assertThat(s.next()).hasValueSatisfying(m -> assertThat(m).containsExactly(1));
            assertThatThrownBy(s::next).isInstanceOfSatisfying(RpcException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.REMOTE);
                assertThat(e.remoteCode()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
            }).hasMessage("disk full on 127.0.0.1");
        }
    }

    @Test
    void givenUnaryMethod_whenOpenedAsStream_thenNoSuchMethod() {
        unary("echo", false, call -> call.body());
        TlsServer server = clusterServer();

        try (RpcStream s = client(admin).stream(address(server), "echo", new byte[0], DEADLINE)) {
            assertThatThrownBy(s::next).isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.NO_SUCH_METHOD));
        }
    }

    @Test
    void givenSilentStream_whenDeadlinePasses_thenNextThrowsDeadlineExceeded() {
        stream("silent", (call, sink) -> Thread.sleep(5_000));
        TlsServer server = clusterServer();

        try (RpcStream s = client(admin).stream(address(server), "silent", new byte[0], Duration.ofMillis(300))) {
            assertThatThrownBy(s::next).isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED));
        }
    }

    // ---------------------------------------------------------------- protocol

    @Test
    void givenOversizeFrame_whenServerReadsIt_thenConnectionIsClosed() throws Exception {
        unary("join", true, call -> call.body());
        var kp = Pki.newKeyPair();
        TlsServer server = server(Tls.factorySetup(kp.getPrivate(), Pki.selfSigned(kp, "node-factory:" + LOCAL, List.of(LOCAL),
                Duration.ofDays(1))), 64);
        var ctx = Tls.context(Tls.noKey(), Tls.trustAnything());

        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(LOCAL, server.port())) {
            Tls.restrict(s);
            s.setSoTimeout(5_000);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            assertThat(Wire.read(in).type()).isEqualTo(Wire.HELLO);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(Wire.MAX_PAYLOAD + 1);
            out.writeByte(Wire.REQUEST);
            out.writeLong(1);
            out.flush();

            assertThatThrownBy(() -> Wire.read(in)).isInstanceOf(IOException.class);
        }
    }

    // ---------------------------------------------------------------- helpers

    private interface Unary {
        byte[] handle(io.cairn.cluster.rpc.RpcCall call) throws Exception;
    }

    private void unary(String name, boolean bootstrap, Unary handler) {
        RpcHandler h = handler::handle;
        methods.put(name, new TlsServer.Method(name, h, null, bootstrap));
    }

    private void stream(String name, RpcStreamHandler handler) {
        methods.put(name, new TlsServer.Method(name, null, handler, false));
    }

    private TlsServer clusterServer() {
        return server(Tls.clusterSetup(node.key(), node.certificate(), node.ca()), 64);
    }

    private TlsServer server(Tls.Setup setup, int maxConcurrent) {
        try {
            return register(new TlsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), setup, methods::get,
                    new TlsServer.Limits(maxConcurrent, 16), InstantSource.system(), LOCAL));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private RpcClient client(Credentials credentials) {
        return register(TlsRpcClient.mutual(credentials));
    }

    private RpcClient bootstrapClient() {
        return register(TlsRpcClient.bootstrap());
    }

    private <T extends AutoCloseable> T register(T c) {
        closeAfter.add(c);
        return c;
    }

    private static String address(TlsServer server) {
        return LOCAL + ":" + server.port();
    }

    static void eventually(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
