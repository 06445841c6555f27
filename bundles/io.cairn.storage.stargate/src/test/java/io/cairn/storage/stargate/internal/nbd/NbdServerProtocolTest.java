package io.cairn.storage.stargate.internal.nbd;

import static io.cairn.storage.stargate.internal.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

/** The handshake and the transmission commands, driven byte by byte with {@link NbdTestClient}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NbdServerProtocolTest {

    private static final int SIZE = 1024 * 1024;

    private MemoryExport disk;
    private MemoryExport readOnlyDisk;
    private NbdServer server;

    @BeforeEach
    void startServer() throws IOException {
        disk = MemoryExport.writable("disk", SIZE);
        readOnlyDisk = new MemoryExport("golden", SIZE, true, 1);
        server = NbdServer.start(NbdServerConfig.plain(InetAddress.getLoopbackAddress(), 0), NbdExports.of(disk, readOnlyDisk));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private NbdTestClient connectTo(String export) throws IOException {
        NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port());
        assertThat(c.go(export).type()).as("GO %s", export).isEqualTo(REP_ACK);
        return c;
    }

    @Test
    void givenServer_whenClientConnects_thenGreetingOffersFixedNewstyleAndNoZeroes() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(server.port())) {
            assertThat(c.serverFlags).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        }
    }

    @Test
    void givenClientWithoutFixedNewstyle_whenItSendsFlags_thenServerDisconnects() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(server.port())) {
            c.sendClientFlags(0);
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
    }

    @Test
    void whenList_thenEveryExportNameThenAck() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_LIST, new byte[0]);
            Set<String> names = new HashSet<>();
            NbdTestClient.OptionReply r;
            while ((r = c.readOptionReply()).type() == REP_SERVER) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                byte[] name = new byte[b.getInt()];
                b.get(name);
                names.add(new String(name, StandardCharsets.UTF_8));
            }
            assertThat(r.type()).isEqualTo(REP_ACK);
            assertThat(names).containsExactlyInAnyOrder("disk", "golden");
        }
    }

    @Test
    void whenInfo_thenSizeFlagsNameDescriptionAndBlockSizesThenAck() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_INFO, NbdTestClient.infoRequest("disk", INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE));
            ByteBuffer export = null;
            ByteBuffer blockSize = null;
            String name = null;
            String description = null;
            NbdTestClient.OptionReply r;
            while ((r = c.readOptionReply()).type() == REP_INFO) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                int type = b.getShort();
                byte[] rest = Arrays.copyOfRange(r.data(), 2, r.data().length);
                switch (type) {
                    case INFO_EXPORT -> export = b;
                    case INFO_BLOCK_SIZE -> blockSize = b;
                    case INFO_NAME -> name = new String(rest, StandardCharsets.UTF_8);
                    case INFO_DESCRIPTION -> description = new String(rest, StandardCharsets.UTF_8);
                    default -> throw new AssertionError("unexpected info type " + type);
                }
            }
            assertThat(r.type()).isEqualTo(REP_ACK);
            assertThat(export).isNotNull();
            assertThat(export.getLong()).isEqualTo(SIZE);
            assertThat(export.getShort() & 0xffff).isEqualTo(
                    FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES);
            assertThat(name).isEqualTo("disk");
            assertThat(description).isEqualTo("test export disk");
            assertThat(blockSize).isNotNull();
            assertThat(new int[] {blockSize.getInt(), blockSize.getInt(), blockSize.getInt()}).containsExactly(512, 4096, MAX_PAYLOAD);
            // NBD_OPT_INFO leaves the client in negotiation: a GO still works
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void givenReadOnlyExport_whenInfo_thenReadOnlyFlagAndNoWriteFlags() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_INFO, NbdTestClient.infoRequest("golden"));
            NbdTestClient.OptionReply r = c.readOptionReply();
            ByteBuffer b = ByteBuffer.wrap(r.data());
            assertThat(b.getShort()).isEqualTo((short) INFO_EXPORT);
            b.getLong();
            assertThat(b.getShort() & 0xffff).isEqualTo(FLAG_HAS_FLAGS | FLAG_READ_ONLY | FLAG_SEND_FLUSH);
        }
    }

    @Test
    void givenMultiConnectionConsistentExport_whenInfo_thenCanMultiConnIsAdvertised() throws IOException {
        NbdExport shared = new DelegatingExport(MemoryExport.writable("shared", SIZE)) {
            @Override
            public boolean multiConnectionConsistent() {
                return true;
            }
        };
        try (NbdServer sharedServer = NbdServer.start(NbdServerConfig.plain(InetAddress.getLoopbackAddress(), 0), NbdExports.of(shared));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(sharedServer.port())) {
            c.sendOption(OPT_INFO, NbdTestClient.infoRequest("shared", INFO_BLOCK_SIZE));
            ByteBuffer b = ByteBuffer.wrap(c.readOptionReply().data());
            assertThat(b.getShort()).isEqualTo((short) INFO_EXPORT);
            b.getLong();
            assertThat(b.getShort() & FLAG_CAN_MULTI_CONN).isEqualTo(FLAG_CAN_MULTI_CONN);
        }
    }

    @Test
    void givenSilentClient_whenHandshakeTimeoutPasses_thenServerDisconnects() throws IOException {
        NbdServerConfig quick = new NbdServerConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty(), false, 64,
                64 * 1024 * 1024, Duration.ofMillis(300), Duration.ofSeconds(5));
        try (NbdServer quickServer = NbdServer.start(quick, NbdExports.of(disk));
                NbdTestClient c = NbdTestClient.connect(quickServer.port())) {
            assertThat(c.readByteOrEnd()).as("the server hangs up on a client that never sends its flags").isEqualTo(-1);
        }
    }

    @Test
    void givenUnknownExport_whenGo_thenErrUnknownWithMessageAndNegotiationContinues() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            NbdTestClient.OptionReply r = c.go("nope");
            assertThat(r.type()).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(r.text()).contains("no export named 'nope'");
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void givenAlignedExport_whenGoWithoutBlockSizeRequest_thenBlockSizeRequired() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_GO, NbdTestClient.infoRequest("disk"));
            NbdTestClient.OptionReply r;
            do {
                r = c.readOptionReply();
            } while (r.type() == REP_INFO);
            assertThat(r.type()).isEqualTo(REP_ERR_BLOCK_SIZE_REQD);
        }
    }

    @Test
    void whenUnknownOrStructuredReplyOption_thenErrUnsupAndNegotiationContinues() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ERR_UNSUP);
            c.sendOption(77, new byte[] {1, 2, 3});
            NbdTestClient.OptionReply r = c.readOptionReply();
            assertThat(r.option()).isEqualTo(77);
            assertThat(r.type()).isEqualTo(REP_ERR_UNSUP);
            c.sendOption(OPT_STARTTLS, new byte[0]);
            assertThat(c.readOptionReply().text()).contains("not configured for TLS");
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void whenMalformedGo_thenErrInvalid() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_GO, ByteBuffer.allocate(8).putInt(1000).putShort((short) 0).array());
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void whenAbort_thenAckAndDisconnect() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_ABORT, new byte[0]);
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ACK);
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
    }

    @Test
    void whenExportName_thenSizeAndFlagsWithoutZeroesAndReadsWork() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_EXPORT_NAME, "golden".getBytes(StandardCharsets.UTF_8));
            byte[] header = new byte[10];
            for (int i = 0; i < header.length; i++) {
                header[i] = (byte) c.readByteOrEnd();
            }
            ByteBuffer b = ByteBuffer.wrap(header);
            assertThat(b.getLong()).isEqualTo(SIZE);
            assertThat(b.getShort() & FLAG_READ_ONLY).isEqualTo(FLAG_READ_ONLY);
            assertThat(c.call(0, CMD_READ, 3, 5, null, 5).error()).isZero();
        }
    }

    @Test
    void givenUnknownExport_whenExportName_thenServerDisconnects() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
    }

    @Test
    void whenWriteThenRead_thenDataRoundTripsAndFuaFlushTrimZeroesSucceed() throws IOException {
        byte[] data = new byte[8192];
        new Random(7).nextBytes(data);
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
        }
        assertThat(disk.fuaWrites).hasValue(1);
        assertThat(disk.flushes).hasValue(1);
        NbdExportStats stats = server.stats("disk");
        assertThat(stats.writes()).isEqualTo(2);
        assertThat(stats.bytesWritten()).isEqualTo(2L * data.length);
        assertThat(stats.reads()).isEqualTo(2);
        assertThat(stats.flushes()).isEqualTo(1);
        assertThat(stats.trims()).isEqualTo(1);
        assertThat(stats.writeZeroes()).isEqualTo(1);
        assertThat(stats.errors()).isZero();
    }

    @Test
    void whenOutOfRangeOrOverflowingRequests_thenErrorsAndConnectionContinues() throws IOException {
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, CMD_READ, SIZE, 512, null, 512).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, CMD_READ, Long.MAX_VALUE - 511, 1024, null, 1024).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, CMD_READ, -512, 1024, null, 1024).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, CMD_TRIM, SIZE - 512, 1024, null, 0).error()).isEqualTo(NbdErrno.EINVAL.value());
            // the protocol asks for ENOSPC on writes past the end
            assertThat(c.call(0, CMD_WRITE, SIZE - 512, 1024, new byte[1024], 0).error()).isEqualTo(NbdErrno.ENOSPC.value());
            assertThat(c.call(0, CMD_WRITE_ZEROES, SIZE, 512, null, 0).error()).isEqualTo(NbdErrno.ENOSPC.value());
            assertThat(c.call(0, CMD_READ, SIZE - 512, 512, null, 512).error()).isZero();
        }
        assertThat(server.stats("disk").errors()).isEqualTo(6);
    }

    @Test
    void whenUnalignedRequests_thenEinvalAndConnectionContinues() throws IOException {
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, CMD_READ, 100, 512, null, 512).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, CMD_WRITE, 512, 100, new byte[100], 0).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, CMD_READ, 512, 512, null, 512).error()).isZero();
        }
    }

    @Test
    void whenUnknownCommandOrFlag_thenEinvalAndConnectionContinues() throws IOException {
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, 42, 0, 512, null, 0).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, 7, 0, 512, null, 0).error()).as("block status was not negotiated").isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(1 << 9, CMD_READ, 0, 512, null, 512).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(CMD_FLAG_NO_HOLE, CMD_WRITE, 0, 512, new byte[512], 0).error()).isEqualTo(NbdErrno.EINVAL.value());
            assertThat(c.call(0, CMD_READ, 0, 512, null, 512).error()).isZero();
        }
    }

    @Test
    void givenReadOnlyExport_whenWriteTrimOrZeroes_thenEperm() throws IOException {
        try (NbdTestClient c = connectTo("golden")) {
            assertThat(c.call(0, CMD_WRITE, 0, 3, new byte[3], 0).error()).isEqualTo(NbdErrno.EPERM.value());
            assertThat(c.call(0, CMD_TRIM, 0, 3, null, 0).error()).isEqualTo(NbdErrno.EPERM.value());
            assertThat(c.call(0, CMD_WRITE_ZEROES, 0, 3, null, 0).error()).isEqualTo(NbdErrno.EPERM.value());
            assertThat(c.call(0, CMD_READ, 1, 3, null, 3).error()).isZero();
        }
    }

    @Test
    void whenOversizeRead_thenEinval_andWhenOversizeWrite_thenDisconnect() throws IOException {
        MemoryExport big = new MemoryExport("big", 64 * 1024 * 1024, false, 1);
        try (NbdServer bigServer = NbdServer.start(NbdServerConfig.plain(InetAddress.getLoopbackAddress(), 0), NbdExports.of(big));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(bigServer.port())) {
            assertThat(c.go("big").type()).isEqualTo(REP_ACK);
            assertThat(c.call(0, CMD_READ, 0, MAX_PAYLOAD + 1L, null, 0).error()).isEqualTo(NbdErrno.EINVAL.value());
            c.sendRequest(0, CMD_WRITE, 1, 0, MAX_PAYLOAD + 1L, null);
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
    }

    @Test
    void givenFailingExport_whenWrite_thenItsErrnoIsRepliedAndCounted() throws IOException {
        disk.failWith(new NbdException(NbdErrno.ENOSPC, "cluster storage full"));
        try (NbdTestClient c = connectTo("disk")) {
            assertThat(c.call(0, CMD_WRITE, 0, 512, new byte[512], 0).error()).isEqualTo(NbdErrno.ENOSPC.value());
            assertThat(c.call(0, CMD_FLUSH, 0, 0, null, 0).error()).isZero();
        }
        assertThat(server.stats("disk").errors()).isEqualTo(1);
    }

    @Test
    void givenPipeliningClient_whenManyRequestsSentBeforeReading_thenEveryCookieAnsweredAndRequestsRunConcurrently() throws Exception {
        // each read waits until four reads are inside the export at once: a server that
        // executes one request at a time would time out and answer EIO
        CyclicBarrier fourAtOnce = new CyclicBarrier(4);
        NbdExport concurrent = new DelegatingExport(MemoryExport.writable("concurrent", SIZE)) {
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
        try (NbdServer pipelined = NbdServer.start(NbdServerConfig.plain(InetAddress.getLoopbackAddress(), 0), NbdExports.of(concurrent));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(pipelined.port())) {
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
        }
    }

    @Test
    void givenExportOfMaximumSize_whenInfoAndReadAtTheEnd_thenSizeIsFullAndOverflowIsRejected() throws IOException {
        NbdExport huge = new DelegatingExport(new MemoryExport("huge", 0, true, 1)) {
            @Override
            public long size() {
                return Long.MAX_VALUE;
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                dst.put(new byte[dst.remaining()]);
            }
        };
        try (NbdServer hugeServer = NbdServer.start(NbdServerConfig.plain(InetAddress.getLoopbackAddress(), 0), NbdExports.of(huge));
                NbdTestClient c = NbdTestClient.connectFixedNewstyle(hugeServer.port())) {
            c.sendOption(OPT_GO, NbdTestClient.infoRequest("huge", INFO_BLOCK_SIZE));
            NbdTestClient.OptionReply export = c.readOptionReply();
            assertThat(ByteBuffer.wrap(export.data(), 2, 8).getLong()).isEqualTo(Long.MAX_VALUE);
            while (c.readOptionReply().type() == REP_INFO) {
                // block size; the ACK ends the loop
            }
            assertThat(c.call(0, CMD_READ, Long.MAX_VALUE - 10, 10, null, 10).error()).isZero();
            assertThat(c.call(0, CMD_READ, Long.MAX_VALUE - 10, 11, null, 11).error()).isEqualTo(NbdErrno.EINVAL.value());
        }
    }

    @Test
    void whenDisc_thenServerClosesTheConnection() throws IOException {
        try (NbdTestClient c = connectTo("disk")) {
            c.sendRequest(0, CMD_DISC, 1, 0, 0, null);
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
    }

    @Test
    void whenServerCloses_thenClientsAreDisconnectedAndNoNewConnectionsAccepted() throws IOException {
        int port = server.port();
        try (NbdTestClient c = connectTo("disk")) {
            server.close();
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
        assertThat(server.connectionCount()).isZero();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void givenNoTls_whenBindingToNonLoopbackAddress_thenConfigurationIsRefused() throws IOException {
        assertThatThrownBy(() -> NbdServerConfig.plain(InetAddress.getByName("0.0.0.0"), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }

    /** An export that forwards to another, for tests overriding one method. */
    static class DelegatingExport implements NbdExport {
        private final NbdExport target;

        DelegatingExport(NbdExport target) {
            this.target = target;
        }

        @Override
        public String name() {
            return target.name();
        }

        @Override
        public long size() {
            return target.size();
        }

        @Override
        public boolean readOnly() {
            return target.readOnly();
        }

        @Override
        public int minimumBlockSize() {
            return target.minimumBlockSize();
        }

        @Override
        public int preferredBlockSize() {
            return target.preferredBlockSize();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws NbdException {
            target.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws NbdException {
            target.write(offset, src, fua);
        }

        @Override
        public void flush() throws NbdException {
            target.flush();
        }

        @Override
        public void trim(long offset, long length) throws NbdException {
            target.trim(offset, length);
        }

        @Override
        public void writeZeroes(long offset, long length, boolean fua) throws NbdException {
            target.writeZeroes(offset, length, fua);
        }
    }
}
