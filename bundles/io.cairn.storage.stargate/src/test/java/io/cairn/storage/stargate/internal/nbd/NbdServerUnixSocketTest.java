package io.cairn.storage.stargate.internal.nbd;

import static io.cairn.storage.stargate.internal.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a Unix domain socket: the protocol over it (plain, STARTTLS declined by policy),
 * the socket file's permissions, and what happens to a socket path that is taken, stale or not a
 * socket.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NbdServerUnixSocketTest {

    private static final int SIZE = 1024 * 1024;

    @TempDir
    Path dir;

    private Path socket;
    private MemoryExport disk;
    private NbdServer server;

    @BeforeEach
    void startServer() throws IOException {
        socket = dir.resolve("run/nbd.sock");
        disk = MemoryExport.writable("disk", SIZE);
        server = NbdServer.start(NbdServerConfig.unixSocket(socket), NbdExports.of(disk, new MemoryExport("golden", SIZE, true, 1)));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private NbdTestClient connectTo(String export) throws IOException {
        NbdTestClient c = NbdTestClient.connectFixedNewstyle(socket);
        assertThat(c.go(export).type()).as("GO %s", export).isEqualTo(REP_ACK);
        return c;
    }

    // ---------------------------------------------------------------- protocol

    @Test
    void givenUnixSocket_whenClientConnects_thenGreetingIsFixedNewstyleAndListShowsTheExports() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(socket)) {
            assertThat(c.serverFlags).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
            c.sendClientFlags(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
            c.sendOption(OPT_LIST, new byte[0]);
            Set<String> names = new HashSet<>();
            NbdTestClient.OptionReply r;
            while ((r = c.readOptionReply()).type() == REP_SERVER) {
                names.add(new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8));
            }
            assertThat(r.type()).isEqualTo(REP_ACK);
            assertThat(names).containsExactlyInAnyOrder("disk", "golden");
        }
        assertThat(server.address()).isEqualTo(UnixDomainSocketAddress.of(socket));
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class).hasMessageContaining(socket.toString());
    }

    @Test
    void givenUnixSocket_whenStartTls_thenPolicyErrorAndTheClientContinuesWithoutTls() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(socket)) {
            c.sendOption(OPT_STARTTLS, new byte[0]);
            NbdTestClient.OptionReply r = c.readOptionReply();
            assertThat(r.option()).isEqualTo(OPT_STARTTLS);
            assertThat(r.type()).as("NOTLS mode by policy, never TLS_REQD").isEqualTo(REP_ERR_POLICY);
            assertThat(r.text()).contains("Unix socket");
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
            byte[] data = "plain over a unix socket".repeat(40).substring(0, 512).getBytes(StandardCharsets.UTF_8);
            assertThat(c.call(0, CMD_WRITE, 0, data.length, data, 0).error()).isZero();
            assertThat(c.call(0, CMD_READ, 0, data.length, null, data.length).data()).isEqualTo(data);
        }
    }

    @Test
    void givenUnixSocket_whenGoThenWriteReadFlushTrimAndZeroes_thenDataRoundTripsAndIsCounted() throws IOException {
        byte[] data = new byte[8192];
        new Random(11).nextBytes(data);
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, CMD_WRITE, 4096, data.length, data, 0).error()).isZero();
            assertThat(c.call(CMD_FLAG_FUA, CMD_WRITE, 65536, data.length, data, 0).error()).isZero();
            NbdTestClient.Reply read = c.call(0, CMD_READ, 4096, data.length, null, data.length);
            assertThat(read.error()).isZero();
            assertThat(read.cookie()).isEqualTo(42);
            assertThat(read.data()).isEqualTo(data);
            assertThat(c.call(0, CMD_FLUSH, 0, 0, null, 0).error()).isZero();
            assertThat(c.call(0, CMD_TRIM, 0, 4096, null, 0).error()).isZero();
            assertThat(c.call(CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 4096, 4096, null, 0).error()).isZero();
            assertThat(c.call(0, CMD_READ, 4096, 8192, null, 8192).data()).startsWith(new byte[4096])
                    .endsWith(Arrays.copyOfRange(data, 4096, 8192));
            assertThat(c.call(0, CMD_READ, SIZE, 512, null, 512).error()).as("limits as over TCP").isEqualTo(NbdErrno.EINVAL.value());
            c.sendRequest(0, CMD_DISC, 1, 0, 0, null);
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
        assertThat(disk.fuaWrites).hasValue(1);
        assertThat(disk.flushes).hasValue(1);
        NbdExportStats stats = server.stats("disk");
        assertThat(stats.writes()).isEqualTo(2);
        assertThat(stats.bytesWritten()).isEqualTo(2L * data.length);
        assertThat(stats.reads()).isEqualTo(2);
        assertThat(stats.trims()).isEqualTo(1);
        assertThat(stats.writeZeroes()).isEqualTo(1);
        assertThat(stats.errors()).isEqualTo(1);
    }

    @Test
    void givenUnixSocket_whenExportName_thenSizeAndFlagsAndReadsWork() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(socket)) {
            c.sendOption(OPT_EXPORT_NAME, "golden".getBytes(StandardCharsets.UTF_8));
            ByteBuffer header = ByteBuffer.allocate(10);
            while (header.hasRemaining()) {
                header.put((byte) c.readByteOrEnd());
            }
            header.flip();
            assertThat(header.getLong()).isEqualTo(SIZE);
            assertThat(header.getShort() & FLAG_READ_ONLY).isEqualTo(FLAG_READ_ONLY);
            assertThat(c.call(0, CMD_READ, 3, 5, null, 5).error()).isZero();
            assertThat(c.call(0, CMD_WRITE, 0, 3, new byte[3], 0).error()).isEqualTo(NbdErrno.EPERM.value());
        }
    }

    @Test
    void givenPipeliningClientOnUnixSocket_whenManyRequestsSentBeforeReading_thenEveryCookieAnsweredAndRequestsRunConcurrently()
            throws Exception {
        CyclicBarrier fourAtOnce = new CyclicBarrier(4);
        NbdExport concurrent = new NbdServerProtocolTest.DelegatingExport(MemoryExport.writable("concurrent", SIZE)) {
            @Override
            public void read(long offset, ByteBuffer dst) throws NbdException {
                try {
                    fourAtOnce.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    throw new NbdException(NbdErrno.EIO, "reads did not run concurrently: " + e);
                }
                super.read(offset, dst);
            }
        };
        int requests = 200;
        Path path = dir.resolve("pipelined.sock");
        try (NbdServer pipelined = NbdServer.start(NbdServerConfig.unixSocket(path), NbdExports.of(concurrent));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(path)) {
            assertThat(c.go("concurrent").type()).isEqualTo(REP_ACK);
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < requests; i++) {
                        c.sendRequest(0, CMD_READ, 1000 + i, 4096L * i, 4096, null);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Set<Long> answered = new HashSet<>();
            for (int i = 0; i < requests; i++) {
                NbdTestClient.Reply r = c.readReply(4096);
                assertThat(r.error()).as("reply %d", i).isZero();
                answered.add(r.cookie());
            }
            sender.join(10_000);
            assertThat(answered).hasSize(requests).allMatch(cookie -> cookie >= 1000 && cookie < 1000 + requests);
            assertThat(pipelined.stats("concurrent").reads()).isEqualTo(requests);
        }
    }

    @Test
    void givenSilentClientOnUnixSocket_whenHandshakeTimeoutPasses_thenServerDisconnects() throws IOException {
        Path path = dir.resolve("quick.sock");
        NbdServerConfig quick = new NbdServerConfig(UnixDomainSocketAddress.of(path), Optional.empty(), false, 64, 64 * 1024 * 1024,
                Duration.ofMillis(300), Duration.ofSeconds(5));
        try (NbdServer quickServer = NbdServer.start(quick, NbdExports.of(disk));
                NbdTestClient c = NbdTestClient.connect(path)) {
            assertThat(c.readByteOrEnd()).as("the server hangs up on a client that never sends its flags").isEqualTo(-1);
            assertThat(quickServer.connectionCount()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void givenClientThatChoseAnExport_whenIdleLongerThanTheHandshakeTimeout_thenItStaysConnected() throws Exception {
        Path path = dir.resolve("idle.sock");
        NbdServerConfig quick = new NbdServerConfig(UnixDomainSocketAddress.of(path), Optional.empty(), false, 64, 64 * 1024 * 1024,
                Duration.ofMillis(200), Duration.ofSeconds(5));
        try (NbdServer quickServer = NbdServer.start(quick, NbdExports.of(disk));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(path)) {
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
            // the handshake timeout ends with negotiation: being idle for three times as long is the
            // behaviour under test, not a wait for a condition
            Thread.sleep(600);
            assertThat(c.call(0, CMD_READ, 0, 512, null, 512).error()).isZero();
        }
    }

    @Test
    void whenServerCloses_thenClientsAreDisconnectedAndTheSocketFileIsDeleted() throws IOException {
        try (NbdTestClient c = connectTo("disk")) {
            server.close();
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
        assertThat(server.connectionCount()).isZero();
        assertThat(socket).doesNotExist();
        assertThatThrownBy(() -> NbdTestClient.connect(socket)).isInstanceOf(IOException.class);
    }

    // ---------------------------------------------------------------- the socket file

    @Test
    void givenMissingDirectory_whenServerStarts_thenDirectoryIs0700AndSocketIs0600OwnedByThisUser() throws IOException {
        assertThat(Files.getPosixFilePermissions(socket.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertThat(mode & 0170000).as("file type S_IFSOCK").isEqualTo(0140000);
        assertThat(Files.getOwner(socket, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo(System.getProperty("user.name"));
        try (var entries = Files.list(socket.getParent())) {
            assertThat(entries).as("no temporary binding directory is left behind").containsExactly(socket);
        }
    }

    @Test
    void givenExistingDirectoryOpenToOthers_whenServerStarts_thenTheSocketIsStill0600() throws IOException {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path path = shared.resolve("nbd.sock");
        try (NbdServer other = NbdServer.start(NbdServerConfig.unixSocket(path), NbdExports.of(disk));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(path)) {
            assertThat(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(shared)).as("the server leaves an existing directory alone")
                    .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void givenSocketInUse_whenSecondServerStarts_thenItIsRefusedClearlyAndTheFirstKeepsServing() throws IOException {
        assertThatThrownBy(() -> NbdServer.start(NbdServerConfig.unixSocket(socket), NbdExports.of(disk)))
                .isInstanceOf(IOException.class).hasMessageContaining(socket.toString()).hasMessageContaining("another server is listening");
        assertThat(socket).exists();
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, CMD_READ, 0, 512, null, 512).error()).isZero();
        }
    }

    @Test
    void givenStaleSocketFile_whenServerStarts_thenItIsReplacedAndServes() throws IOException {
        Path path = dir.resolve("stale.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(path));
        }
        assertThat(path).as("closing a Unix server socket leaves its file").exists();
        try (NbdServer replacing = NbdServer.start(NbdServerConfig.unixSocket(path), NbdExports.of(disk));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(path)) {
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
            assertThat(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void givenRegularFileAtThePath_whenServerStarts_thenItIsRefusedAndTheFileIsKept() throws IOException {
        Path path = Files.writeString(dir.resolve("notes.sock"), "not a socket");
        assertThatThrownBy(() -> NbdServer.start(NbdServerConfig.unixSocket(path), NbdExports.of(disk)))
                .isInstanceOf(IOException.class).hasMessageContaining(path.toString()).hasMessageContaining("not a socket");
        assertThat(path).hasContent("not a socket");
    }

    @Test
    void givenSocketReplacedByAnotherServer_whenTheFirstCloses_thenTheOtherSocketFileIsKept() throws IOException {
        Files.delete(socket); // an operator removed it; a second server now owns the path
        try (NbdServer second = NbdServer.start(NbdServerConfig.unixSocket(socket), NbdExports.of(disk))) {
            server.close();
            assertThat(socket).exists();
            try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(socket)) {
                assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
            }
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void givenPathTooLongForAUnixSocket_whenServerStarts_thenTheErrorSaysSo() {
        Path path = dir.resolve("d".repeat(120) + ".sock");
        assertThatThrownBy(() -> NbdServer.start(NbdServerConfig.unixSocket(path), NbdExports.of(disk)))
                .isInstanceOf(IOException.class).hasMessageContaining("longer than");
    }

    @Test
    void givenTlsContext_whenConfiguredForAUnixSocket_thenTheConfigurationIsRefused() throws Exception {
        NbdServerConfig tcp = NbdServerConfig.tls(java.net.InetAddress.getLoopbackAddress(), 0, javax.net.ssl.SSLContext.getDefault(),
                false);
        assertThatThrownBy(() -> new NbdServerConfig(UnixDomainSocketAddress.of(dir.resolve("tls.sock")), tcp.tls(), false, 64,
                64 * 1024 * 1024, Duration.ofSeconds(1), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not use TLS");
    }

    @Test
    void givenProbeConnectionOfTheInUseCheck_whenItCloses_thenTheServerKeepsServing() throws IOException {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
        }
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, CMD_FLUSH, 0, 0, null, 0).error()).isZero();
        }
    }
}
