package io.cairn.storage.stargate.internal.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Every real-client test of {@link NbdServerRealClientsTest} (nbdinfo, qemu-img, qemu-io, nbdcopy,
 * fio with crc32c verification), over the server's Unix socket with
 * {@code nbd+unix:///EXPORT?socket=PATH}; and how libnbd's TLS settings fare there.
 */
class NbdServerUnixSocketRealClientsTest extends NbdServerRealClientsTest {

    private Path socket() {
        return dir.resolve("run/nbd.sock");
    }

    @Override
    NbdServerConfig serverConfig() {
        return NbdServerConfig.unixSocket(socket());
    }

    @Override
    String uri(String export) {
        return "nbd+unix:///" + export + "?socket=" + socket();
    }

    @Override
    String serverUri() {
        return "nbd+unix:///?socket=" + socket();
    }

    @Test
    void givenLibnbdAllowingTls_whenItConnectsToTheUnixSocket_thenTheServerDeclinesStartTlsAndItContinuesPlain() throws Exception {
        // nbdkit's nbd plugin with tls=on is libnbd with TLS_ALLOW: it asks for STARTTLS, gets
        // NBD_REP_ERR_POLICY and goes on without TLS; nbdinfo reads the export through nbdkit
        ExternalTool.require("nbdkit", "nbdkit");
        ExternalTool.require("nbdinfo", "libnbd-bin");
        ExternalTool.Result result = run("/usr/bin/nbdkit", "--exit-with-parent", "-U", "-", "nbd", "socket=" + socket(), "export=disk",
                "tls=on", "--run", "/usr/bin/nbdinfo --size \"$uri\"");
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.output().strip()).as(result.describe()).endsWith(Long.toString(DISK_SIZE));
    }

    @Test
    void givenLibnbdRequiringTls_whenItConnectsToTheUnixSocket_thenItIsRefusedAndNothingIsServed() throws Exception {
        ExternalTool.require("nbdinfo", "libnbd-bin");
        ExternalTool.Result result = run("/usr/bin/nbdinfo", "--size", "nbds+unix:///disk?socket=" + socket());
        assertThat(result.exitCode()).as(result.describe()).isNotZero();
        assertThat(result.output()).as(result.describe()).containsIgnoringCase("tls");
        assertThat(server.stats("disk").reads()).isZero();
    }
}
