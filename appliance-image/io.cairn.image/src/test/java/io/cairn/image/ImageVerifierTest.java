package io.cairn.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageVerifierTest {

    @TempDir
    Path tmp;
    ImageFixture fx;
    ImageAssembler.Output out;

    @BeforeEach
    void fixture() throws Exception {
        fx = new ImageFixture(tmp);
        out = fx.assemble();
    }

    private void verify() throws Exception {
        fx.verifier().verifyArchive(out.archive(), out.metadata(), out.signature(), null);
    }

    @Test
    void givenAssembledImage_whenVerified_thenOk() throws Exception {
        SignedMetadata m = fx.verifier().verifyImage(out.archive(), out.metadata(), out.signature(), null);
        assertThat(m.metadata().version()).isEqualTo("1.2.3");
        assertThat(m.metadata().files()).hasSize(9);
        assertThat(m.signerKeyId()).isEqualTo(out.meta().keyId());
        assertThat(m.json()).isEqualTo(Files.readAllBytes(out.metadata()));
    }

    @Test
    void givenTamperedArchive_whenVerified_thenFailsNamingTheFile() throws Exception {
        byte[] b = Files.readAllBytes(out.archive());
        b[b.length / 2] ^= 0x40;
        Files.write(out.archive(), b);
        assertThatThrownBy(this::verify).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.archive() + ": sha256 mismatch (expected " + out.meta().sha256() + ", got ")
                .hasMessageEndingWith("): the archive was modified or truncated");
    }

    @Test
    void givenTruncatedArchive_whenVerified_thenFailsNamingTheFile() throws Exception {
        byte[] b = Files.readAllBytes(out.archive());
        Files.write(out.archive(), Arrays.copyOf(b, b.length - 10));
        assertThatThrownBy(this::verify).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.archive() + ": size mismatch").hasMessageContaining("modified or truncated");
    }

    @Test
    void givenModifiedMetadata_whenVerified_thenSignatureFailureNamesTheMetadata() throws Exception {
        Files.writeString(out.metadata(), Files.readString(out.metadata()).replace("\"1.2.3\"", "\"9.9.9\""));
        assertThatThrownBy(this::verify).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.metadata() + ": signature does not verify with any trusted key (" + out.meta().keyId()
                        + ")");
    }

    @Test
    void givenModifiedSignature_whenVerified_thenSignatureFailureNamesTheMetadata() throws Exception {
        Files.writeString(out.signature(), "AAAA" + Files.readString(out.signature()).substring(4));
        assertThatThrownBy(this::verify).hasMessageStartingWith(out.metadata() + ": signature does not verify");
    }

    @Test
    void givenWrongTrustedKey_whenVerified_thenRejectedButAcceptedWhenTheFolderAlsoHoldsTheRightKey() throws Exception {
        Path trust = Files.createDirectories(tmp.resolve("trust"));
        SigningKeys.loadOrCreate(tmp.resolve("other/other.key"), fx.quiet);
        Files.copy(tmp.resolve("other/other.pub"), trust.resolve("other.pub"));
        String otherId = SigningKeys.trusted(trust).getFirst().keyId();
        assertThatThrownBy(() -> new ImageVerifier(SigningKeys.trusted(trust)).verifyArchive(out.archive(), out.metadata(),
                out.signature(), null)).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.metadata() + ": signature does not verify with any trusted key (" + otherId + ")");
        Files.copy(fx.pub, trust.resolve("release.pub"));
        assertThat(new ImageVerifier(SigningKeys.trusted(trust)).verifyImage(out.archive(), out.metadata(), out.signature(), null)
                .signerKeyId()).isEqualTo(out.meta().keyId());
    }

    @Test
    void givenResignedOuterHashButChangedInnerFile_whenVerified_thenFailureNamesTheInnerPath() throws Exception {
        SortedMap<String, byte[]> files = ImageFixture.files(out.archive());
        files.put("bundles/test.a-1.0.0.jar", "evil".getBytes(StandardCharsets.UTF_8));
        fx.forge(out, ImageAssembler.tarGz(out.meta().topFolder(), files));
        assertThatThrownBy(this::verify).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.archive() + ": bundles/test.a-1.0.0.jar: sha256 mismatch (expected "
                        + out.meta().files().get("bundles/test.a-1.0.0.jar"));
    }

    @Test
    void givenResignedArchiveWithAnExtraFile_whenVerified_thenFailureNamesIt() throws Exception {
        SortedMap<String, byte[]> files = ImageFixture.files(out.archive());
        files.put("bundles/extra.jar", new byte[] {1});
        fx.forge(out, ImageAssembler.tarGz(out.meta().topFolder(), files));
        assertThatThrownBy(this::verify).hasMessage(out.archive() + ": bundles/extra.jar: not listed in the signed metadata");
    }

    @Test
    void givenResignedArchiveWithoutAFile_whenVerified_thenFailureNamesIt() throws Exception {
        SortedMap<String, byte[]> files = ImageFixture.files(out.archive());
        files.remove("framework/felix.jar");
        fx.forge(out, ImageAssembler.tarGz(out.meta().topFolder(), files));
        assertThatThrownBy(this::verify).hasMessage(out.archive() + ": framework/felix.jar: missing from the image");
    }

    @Test
    void givenResignedArchiveWithAPathOutsideTheImage_whenVerified_thenRejected() throws Exception {
        var entries = ImageFixture.rawEntries(out.archive(), out.meta().topFolder());
        entries.add(Map.entry(out.meta().topFolder() + "/../escape", new byte[] {1}));
        fx.forge(out, ImageFixture.rawTarGz(entries));
        assertThatThrownBy(this::verify)
                .hasMessageStartingWith(out.archive() + ": entry 'cairn-appliance-1.2.3/../escape' lies outside");
    }

    @Test
    void givenResignedArchiveWithADuplicateEntry_whenVerified_thenRejected() throws Exception {
        var entries = ImageFixture.rawEntries(out.archive(), out.meta().topFolder());
        entries.add(entries.getLast());
        fx.forge(out, ImageFixture.rawTarGz(entries));
        assertThatThrownBy(this::verify).hasMessage(out.archive() + ": version: appears twice in the archive");
    }

    @Test
    void givenResignedArchiveWithASymlink_whenVerified_thenRejected() throws Exception {
        var entries = ImageFixture.rawEntries(out.archive(), out.meta().topFolder());
        fx.forge(out, ImageFixture.rawTarGz(entries, out.meta().topFolder() + "/bundles.list", "/etc/passwd"));
        assertThatThrownBy(this::verify).hasMessage(out.archive() + ": bundles.list: not a regular file");
    }

    @Test
    void givenMissingMetadataOrSignature_whenVerified_thenErrorNamesTheMissingFile() throws Exception {
        Files.delete(out.signature());
        assertThatThrownBy(this::verify).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.signature() + ": metadata signature not found");
        Files.delete(out.metadata());
        assertThatThrownBy(this::verify).hasMessageStartingWith(out.metadata() + ": image metadata not found");
        Files.delete(out.archive());
        assertThatThrownBy(this::verify).hasMessage(out.archive() + ": image archive not found");
    }
}
