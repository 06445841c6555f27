package io.cairn.storage.stargate.internal.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The server against the real NBD clients installed on the machine: nbdinfo, qemu-img, qemu-io,
 * nbdcopy (libnbd) and fio's nbd engine, over 127.0.0.1 on an ephemeral port
 * ({@link NbdServerUnixSocketRealClientsTest} runs the same over a Unix socket). A missing tool
 * fails the test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NbdServerRealClientsTest {

    static final long DISK_SIZE = 24L * 1024 * 1024;
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private FileExport disk;
    NbdServer server;

    @BeforeEach
    void startServer() throws IOException {
        disk = new FileExport("disk", dir.resolve("export.img"), DISK_SIZE);
        MemoryExport other = new MemoryExport("other", 1024 * 1024, true, 1);
        server = NbdServer.start(serverConfig(), NbdExports.of(disk, other));
    }

    /** Where the server listens. */
    NbdServerConfig serverConfig() {
        return NbdServerConfig.plain(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stopServer() throws IOException {
        try {
            server.close();
        } finally {
            disk.close();
        }
    }

    /** The NBD URI of {@code export}, as libnbd, qemu and fio take it. */
    String uri(String export) {
        return "nbd://127.0.0.1:" + server.port() + "/" + export;
    }

    /** The NBD URI of the server, for listing its exports. */
    String serverUri() {
        return "nbd://127.0.0.1:" + server.port();
    }

    ExternalTool.Result run(String... command) throws IOException, InterruptedException {
        return ExternalTool.run(TOOL_TIMEOUT, dir, List.of(command));
    }

    private Path randomFile(String name, long size) throws IOException {
        byte[] data = new byte[(int) size];
        new Random(size).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    @Test
    void givenExports_whenNbdinfo_thenSizeAndListAreReported() throws Exception {
        ExternalTool.require("nbdinfo", "libnbd-bin");
        ExternalTool.Result size = run("/usr/bin/nbdinfo", "--size", uri("disk"));
        assertThat(size.exitCode()).as(size.describe()).isZero();
        assertThat(size.output().strip()).isEqualTo(Long.toString(DISK_SIZE));

        ExternalTool.Result info = run("/usr/bin/nbdinfo", uri("other"));
        assertThat(info.exitCode()).as(info.describe()).isZero();
        assertThat(info.output()).contains("export-size: 1048576").contains("is_read_only: true").contains("can_flush: true");

        ExternalTool.Result list = run("/usr/bin/nbdinfo", "--list", serverUri());
        assertThat(list.exitCode()).as(list.describe()).isZero();
        assertThat(list.output()).contains("export=\"disk\"").contains("export=\"other\"");
    }

    @Test
    void givenRandomImage_whenQemuImgConvertsItInAndOut_thenTheCopyIsByteIdentical() throws Exception {
        ExternalTool.require("qemu-img", "qemu-utils");
        Path source = randomFile("source.img", DISK_SIZE);
        Path copy = dir.resolve("copy.img");

        ExternalTool.Result in = run("/usr/bin/qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), uri("disk"));
        assertThat(in.exitCode()).as(in.describe()).isZero();
        ExternalTool.Result out = run("/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "raw", uri("disk"), copy.toString());
        assertThat(out.exitCode()).as(out.describe()).isZero();

        ExternalTool.Result compare = run("/usr/bin/qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), copy.toString());
        assertThat(compare.exitCode()).as(compare.describe()).isZero();
        assertThat(Files.mismatch(source, copy)).isEqualTo(-1L);
        assertThat(server.stats("disk").errors()).isZero();
    }

    @Test
    void whenQemuIoWritesPatterns_thenReadsVerifyThemAndAWrongPatternIsDetected() throws Exception {
        ExternalTool.require("qemu-io", "qemu-utils");
        ExternalTool.Result io = run("/usr/bin/qemu-io", "-f", "raw", "-c", "write -P 0xab 0 1M", "-c", "write -P 0xcd -f 1M 64k",
                "-c", "write -z 2M 512k", "-c", "discard 3M 64k", "-c", "flush", "-c", "read -P 0xab 0 1M", "-c", "read -P 0xcd 1M 64k",
                "-c", "read -P 0 2M 512k", uri("disk"));
        assertThat(io.exitCode()).as(io.describe()).isZero();
        assertThat(io.output()).doesNotContain("Pattern verification failed").doesNotContain("error").contains("read 524288/524288 bytes");

        ExternalTool.Result wrong = run("/usr/bin/qemu-io", "-f", "raw", "-c", "read -P 0x11 0 4k", uri("disk"));
        assertThat(wrong.output()).as("qemu-io must notice a wrong pattern").contains("Pattern verification failed");
        assertThat(wrong.exitCode()).isNotZero();
    }

    @Test
    void givenRandomImage_whenNbdcopyCopiesItInAndOut_thenTheCopyIsByteIdentical() throws Exception {
        ExternalTool.require("nbdcopy", "libnbd-bin");
        Path source = randomFile("source.img", DISK_SIZE);
        Path copy = dir.resolve("copy.img");
        Files.write(copy, new byte[0]);

        ExternalTool.Result in = run("/usr/bin/nbdcopy", source.toString(), uri("disk"));
        assertThat(in.exitCode()).as(in.describe()).isZero();
        ExternalTool.Result out = run("/usr/bin/nbdcopy", uri("disk"), copy.toString());
        assertThat(out.exitCode()).as(out.describe()).isZero();

        assertThat(Files.mismatch(source, copy)).isEqualTo(-1L);
    }

    @Test
    void whenFioWritesRandomlyAtIodepth32WithCrc32cVerify_thenItExitsCleanAndVerifiesEverything() throws Exception {
        ExternalTool.require("fio", "fio");
        long size = 8L * 1024 * 1024;
        ExternalTool.Result fio = run("/usr/bin/fio", "--name=nbd-verify", "--ioengine=nbd", "--uri=" + uri("disk"), "--rw=randwrite",
                "--bs=4k", "--iodepth=32", "--verify=crc32c", "--verify_fatal=1", "--size=" + size, "--output-format=json");
        assertThat(fio.exitCode()).as(fio.describe()).isZero();
        String output = fio.output();
        JsonNode job = new ObjectMapper().readTree(output.substring(output.indexOf('{'))).get("jobs").get(0);
        assertThat(job.get("error").asInt()).as(fio.describe()).isZero();
        assertThat(job.get("write").get("io_bytes").asLong()).as("bytes written").isEqualTo(size);
        assertThat(job.get("read").get("io_bytes").asLong()).as("bytes read back and verified").isEqualTo(size);
        assertThat(server.stats("disk").errors()).isZero();
    }
}
