package io.cairn.storage.stargate.internal.nbd;

import static io.cairn.storage.stargate.internal.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS-required server with client certificates (mutual TLS): refusals before STARTTLS, the
 * upgrade with the in-test client, and the real clients qemu-img and nbdinfo with their
 * certificate directories.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NbdServerTlsTest {

    private static final int SIZE = 4 * 1024 * 1024;
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    private static TestPki pki;

    @TempDir
    Path dir;

    private MemoryExport disk;
    private NbdServer server;

    @BeforeAll
    static void issueCertificates() throws Exception {
        pki = TestPki.create("nbd-test-ca");
    }

    @BeforeEach
    void startServer() throws Exception {
        disk = MemoryExport.writable("disk", SIZE);
        server = NbdServer.start(NbdServerConfig.tls(InetAddress.getLoopbackAddress(), 0, pki.serverContext(), true), NbdExports.of(disk));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void givenTlsRequired_whenOptionsBeforeStartTls_thenTlsRequiredAndNothingRevealed() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_LIST, new byte[0]);
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ERR_TLS_REQD);
            c.sendOption(OPT_INFO, NbdTestClient.infoRequest("disk", INFO_BLOCK_SIZE));
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ERR_TLS_REQD);
            NbdTestClient.OptionReply go = c.go("disk");
            assertThat(go.type()).isEqualTo(REP_ERR_TLS_REQD);
            assertThat(go.text()).contains("NBD_OPT_STARTTLS");
            c.sendOption(OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ERR_TLS_REQD);
            c.sendOption(OPT_ABORT, new byte[0]);
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void givenTlsRequired_whenExportNameBeforeStartTls_thenServerDisconnects() throws IOException {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.sendOption(OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            assertThat(c.readByteOrEnd()).isEqualTo(-1);
        }
    }

    @Test
    void givenClientCertificate_whenStartTls_thenTls13AndIoWorks() throws Exception {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.startTls(pki.clientContext());
            assertThat(c.go("disk").type()).isEqualTo(REP_ACK);
            byte[] data = "secret over tls".repeat(100).substring(0, 1024).getBytes(StandardCharsets.UTF_8);
            assertThat(c.call(0, CMD_WRITE, 512, data.length, data, 0).error()).isZero();
            assertThat(c.call(0, CMD_READ, 512, data.length, null, data.length).data()).isEqualTo(data);
            assertThat(c.tlsProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void givenTlsActive_whenStartTlsAgain_thenInvalid() throws Exception {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            c.startTls(pki.clientContext());
            c.sendOption(OPT_STARTTLS, new byte[0]);
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void givenClientWithoutCertificate_whenStartTls_thenTheHandshakeIsRefused() throws Exception {
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            // TLS 1.3 reports a refused client certificate on the first read after the handshake
            assertThatThrownBy(() -> {
                c.startTls(pki.anonymousClientContext());
                c.go("disk");
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void givenClientCertificateOfAnotherCa_whenStartTls_thenTheServerRefusesIt() throws Exception {
        TestPki stranger = TestPki.create("another-ca");
        try (NbdTestClient c = NbdTestClient.connectFixedNewstyle(server.port())) {
            assertThatThrownBy(() -> {
                // the client trusts the server; the server must not trust the client
                c.startTls(stranger.clientContextTrusting(pki.ca.certificate()));
                c.go("disk");
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void givenCertificateDirectory_whenQemuImgInfoWithTlsCreds_thenItReadsTheExport() throws Exception {
        ExternalTool.require("qemu-img", "qemu-utils");
        Path creds = dir.resolve("qemu-tls");
        pki.writeClientDirectory(creds);
        ExternalTool.Result info = ExternalTool.run(TOOL_TIMEOUT, dir, List.of("/usr/bin/qemu-img", "info", "--object",
                "tls-creds-x509,id=tls0,dir=" + creds + ",endpoint=client", "--image-opts",
                "driver=nbd,host=127.0.0.1,port=" + server.port() + ",export=disk,tls-creds=tls0"));
        assertThat(info.exitCode()).as(info.describe()).isZero();
        assertThat(info.output()).contains("virtual size: 4 MiB (" + SIZE + " bytes)");
    }

    @Test
    void givenCertificateDirectory_whenNbdinfoOverNbds_thenItReportsTheSize_andWithoutTlsItIsRefused() throws Exception {
        ExternalTool.require("nbdinfo", "libnbd-bin");
        Path creds = dir.resolve("libnbd-tls");
        pki.writeClientDirectory(creds);
        ExternalTool.Result tls = ExternalTool.run(TOOL_TIMEOUT, dir,
                List.of("/usr/bin/nbdinfo", "--size", "nbds://127.0.0.1:" + server.port() + "/disk?tls-certificates=" + creds));
        assertThat(tls.exitCode()).as(tls.describe()).isZero();
        assertThat(tls.output().strip()).isEqualTo(Integer.toString(SIZE));

        ExternalTool.Result plain = ExternalTool.run(TOOL_TIMEOUT, dir,
                List.of("/usr/bin/nbdinfo", "--size", "nbd://127.0.0.1:" + server.port() + "/disk"));
        assertThat(plain.exitCode()).as(plain.describe()).isNotZero();
        assertThat(plain.output()).as(plain.describe()).containsIgnoringCase("tls");
    }

    @Test
    void givenQemuImgWithoutTls_whenInfo_thenItIsRefused() throws Exception {
        ExternalTool.require("qemu-img", "qemu-utils");
        ExternalTool.Result plain = ExternalTool.run(TOOL_TIMEOUT, dir,
                List.of("/usr/bin/qemu-img", "info", "nbd://127.0.0.1:" + server.port() + "/disk"));
        assertThat(plain.exitCode()).as(plain.describe()).isNotZero();
        assertThat(plain.output()).as(plain.describe()).containsIgnoringCase("TLS");
        assertThat(disk.snapshot()).isEqualTo(new byte[SIZE]);
    }
}
