package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Integration: QEMU's iSCSI block driver (libiscsi inside qemu-img/qemu-io) against a portal in this JVM. */
class QemuIscsiTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private PortalFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new PortalFixture();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void givenARandom16MiBFile_whenQemuImgConvertsItToTheLunAndBack_thenTheBytesAreIdentical() throws Exception {
        byte[] content = new byte[16 << 20];
        new Random(42).nextBytes(content);
        Path in = dir.resolve("in.raw");
        Path out = dir.resolve("out.raw");
        Files.write(in, content);
        String url = fixture.url(PortalFixture.TARGET, 0);

        Tools.Result up = Tools.run(TIMEOUT, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), url);
        Tools.Result down = Tools.run(TIMEOUT, "qemu-img", "convert", "-f", "raw", "-O", "raw", url, out.toString());

        assertThat(up.ok()).as(up.output()).isTrue();
        assertThat(down.ok()).as(down.output()).isTrue();
        byte[] back = Files.readAllBytes(out);
        assertThat(back).hasSize(64 << 20);
        assertThat(java.util.Arrays.equals(back, 0, content.length, content, 0, content.length)).as("first 16 MiB identical").isTrue();
    }

    @Test
    void givenALun_whenQemuIoWritesAPatternAndReadsItBack_thenTheVerifySucceeds() throws Exception {
        Tools.Result r = Tools.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0xab 0 1M", "-c", "read -P 0xab 0 1M",
                "-c", "write -P 0x5c 3M 256k", "-c", "read -P 0x5c 3M 256k", fixture.url(PortalFixture.TARGET, 0));

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("wrote 1048576/1048576 bytes", "read 1048576/1048576 bytes").doesNotContain("Pattern verification failed");
    }

    @Test
    void givenALun_whenQemuImgInfo_thenItShowsTheSize() throws Exception {
        Tools.Result r = Tools.run(TIMEOUT, "qemu-img", "info", "--image-opts", "driver=iscsi,transport=tcp,portal=127.0.0.1:"
                + fixture.port() + ",target=" + PortalFixture.TARGET + ",lun=0,initiator-name=" + PortalFixture.INITIATOR);

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("64 MiB");
    }
}
