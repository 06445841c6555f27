package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTamperTest {

    @TempDir
    Path tmp;

    private Path copyOfBuiltImage() throws Exception {
        Path archive = Proc.builtArchive();
        String base = archive.getFileName().toString().replace(".tar.gz", "");
        Path meta = archive.resolveSibling(base + ".metadata.json");
        Path sig = archive.resolveSibling(base + ".metadata.json.sig");
        Files.copy(meta, tmp.resolve(meta.getFileName()));
        Files.copy(sig, tmp.resolve(sig.getFileName()));
        return Files.copy(archive, tmp.resolve(archive.getFileName()));
    }

    @Test
    void givenBuiltImage_whenVerified_thenAccepted() throws Exception {
        Path copy = copyOfBuiltImage();
        Proc ok = Proc.cairn(Duration.ofSeconds(60), "image", "verify", copy.toString());
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("OK");
    }

    @Test
    void givenOneByteFlipped_whenVerified_thenRejectedNamingTheFile() throws Exception {
        Path copy = copyOfBuiltImage();
        byte[] bytes = Files.readAllBytes(copy);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(copy, bytes);
        Proc bad = Proc.cairn(Duration.ofSeconds(60), "image", "verify", copy.toString());
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.output()).contains(copy.getFileName().toString()).contains("sha256 mismatch");
    }
}
