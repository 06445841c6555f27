package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

class InstallerStoreTest {

    @TempDir
    Path home;

    private byte[] archive;

    private void node(boolean withCopy) throws Exception {
        archive = new byte[InstallerStore.MAX_CHUNK + 12345];
        for (int i = 0; i < archive.length; i++) {
            archive[i] = (byte) (i * 31);
        }
        Files.writeString(home.resolve("boot"), "B\n");
        Path slot = Files.createDirectories(home.resolve("slots/B"));
        Files.writeString(slot.resolve("image.metadata.json"),
                "{\"name\": \"cairn-appliance\", \"version\": \"2.0\", \"size\": " + archive.length + "}");
        if (withCopy) {
            Path store = Files.createDirectories(home.resolve(InstallerStore.STORE));
            Files.write(store.resolve("cairn-appliance-2.0.tar.gz"), archive);
            Files.writeString(store.resolve("cairn-appliance-2.0.metadata.json"), "{\"signed\": 1}\n");
            Files.writeString(store.resolve("cairn-appliance-2.0.metadata.json.sig"), "c2ln\n");
        }
    }

    @Test
    void givenAStoreCopyOfTheRunningImage_whenAskedAndReadInChunks_thenTheBytesAreExactlyThoseKept() throws Exception {
        node(true);
        InstallerStore s = new InstallerStore(home);
        Map<String, Object> r = s.running();
        assertThat(r).containsEntry("version", "2.0").containsEntry("archive", "cairn-appliance-2.0.tar.gz")
                .containsEntry("size", (long) archive.length);
        assertThat(Base64.getDecoder().decode((String) r.get("metadata"))).isEqualTo("{\"signed\": 1}\n".getBytes());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (long off = 0;;) {
            byte[] c = s.read("cairn-appliance-2.0.tar.gz", off, InstallerStore.MAX_CHUNK);
            if (c.length == 0) {
                break;
            }
            got.write(c);
            off += c.length;
        }
        assertThat(got.toByteArray()).isEqualTo(archive);
        assertThatThrownBy(() -> s.read("../boot", 0, 10)).hasMessageContaining("is not an image file of the installer store");
        assertThatThrownBy(() -> s.read("cairn-appliance-2.0.tar.gz", 0, InstallerStore.MAX_CHUNK + 1)).hasMessageContaining("length");
        assertThatThrownBy(() -> s.read("other-1.tar.gz", 0, 10)).isInstanceOfSatisfying(CairnException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void givenNoStoreCopy_whenAsked_thenRefusedSayingWhatIsMissing() throws Exception {
        node(false);
        assertThatThrownBy(() -> new InstallerStore(home).running()).isInstanceOfSatisfying(CairnException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
                .hasMessageContaining("keeps no copy of the image it runs (cairn-appliance-2.0)");
    }
}
