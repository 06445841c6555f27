package io.cairn.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageInstallerTest {

    @TempDir
    Path tmp;
    ImageFixture fx;
    ImageAssembler.Output out;
    Path home;

    @BeforeEach
    void fixture() throws Exception {
        fx = new ImageFixture(tmp);
        out = fx.assemble();
        home = tmp.resolve("home");
    }

    private SignedMetadata install(String slot, boolean force) throws Exception {
        return fx.installer().install(out.archive(), out.metadata(), out.signature(), home, slot, force);
    }

    @Test
    void givenVerifiedImage_whenInstalledIntoA_thenSlotIsBootedAndVerifySlotPasses() throws Exception {
        install("A", false);
        Path a = home.resolve("slots/A");
        assertThat(Files.readString(home.resolve("boot"))).isEqualTo("A\n");
        assertThat(a.resolve("bundles.list")).exists();
        assertThat(a.resolve("bundles/test.a-1.0.0.jar")).hasSameBinaryContentAs(fx.bundles.resolve("a.jar"));
        assertThat(a.resolve("image.metadata.json")).hasSameBinaryContentAs(out.metadata());
        assertThat(a.resolve("image.metadata.json.sig")).hasSameBinaryContentAs(out.signature());
        assertThat(fx.verifier().verifySlot(a).version()).isEqualTo("1.2.3");
        try (Stream<Path> s = Files.list(home.resolve("slots"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("A");
        }
    }

    /** The installer store keeps what was installed; installing again from the store itself leaves it as it is. */
    @Test
    void givenInstall_whenDone_thenTheStoreHoldsTheImageAndActivateSwitchesTheBootSlot() throws Exception {
        install("A", false);
        Path store = home.resolve(ImageInstaller.STORE);
        Path kept = store.resolve("cairn-appliance-1.2.3.tar.gz");
        assertThat(kept).hasSameBinaryContentAs(out.archive());
        assertThat(store.resolve("cairn-appliance-1.2.3.metadata.json")).hasSameBinaryContentAs(out.metadata());
        assertThat(store.resolve("cairn-appliance-1.2.3.metadata.json.sig")).hasSameBinaryContentAs(out.signature());
        fx.installer().install(kept, store.resolve("cairn-appliance-1.2.3.metadata.json"),
                store.resolve("cairn-appliance-1.2.3.metadata.json.sig"), home, "B", false);
        assertThat(kept).hasSameBinaryContentAs(out.archive());
        try (Stream<Path> s = Files.list(store)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("cairn-appliance-1.2.3.tar.gz",
                    "cairn-appliance-1.2.3.metadata.json", "cairn-appliance-1.2.3.metadata.json.sig");
        }
        assertThat(Files.readString(home.resolve("boot"))).isEqualTo("A\n");
        ImageInstaller.activate(home, "B");
        assertThat(Files.readString(home.resolve("boot"))).isEqualTo("B\n");
        assertThatThrownBy(() -> ImageInstaller.activate(tmp.resolve("empty"), "A")).hasMessageContaining("holds no installed image");
    }

    /** The first install makes the node trust the key its image was signed with; a folder that holds keys is left alone. */
    @Test
    void givenANodeWithoutTrustedKeys_whenInstalled_thenItTrustsTheSignerAndAnOperatorsChoiceIsKept() throws Exception {
        SignedMetadata signed = install("A", false);
        Path trust = home.resolve(ImageInstaller.TRUST);
        Path seeded = trust.resolve(signed.signerKeyId() + ".pub");
        assertThat(seeded).exists();
        assertThat(SigningKeys.trusted(trust)).extracting(SigningKeys.Trusted::keyId).containsExactly(signed.signerKeyId());
        Files.delete(seeded);
        Files.writeString(trust.resolve("operator.pub"), Files.readString(fx.verifier().trustedKey(signed.signerKeyId()).orElseThrow()
                .source()));
        install("B", false);
        try (Stream<Path> s = Files.list(trust)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("operator.pub");
        }
    }

    @Test
    void givenInstalledSlot_whenAFileIsTampered_thenVerifySlotNamesIt() throws Exception {
        install("A", false);
        Path felix = home.resolve("slots/A/framework/felix.jar");
        Files.write(felix, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> fx.verifier().verifySlot(home.resolve("slots/A"))).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(felix + ": sha256 mismatch (expected " + out.meta().files().get("framework/felix.jar"));
    }

    @Test
    void givenInstalledSlot_whenAFileIsMissingOrAdded_thenVerifySlotNamesIt() throws Exception {
        install("A", false);
        Path slot = home.resolve("slots/A");
        Files.delete(slot.resolve("bundles.list"));
        assertThatThrownBy(() -> fx.verifier().verifySlot(slot)).hasMessage(slot.resolve("bundles.list")
                + ": missing from the installed image");
        Files.write(slot.resolve("bundles.list"), ImageFixture.files(out.archive()).get("bundles.list"));
        Files.writeString(slot.resolve("bundles/extra.jar"), "x");
        assertThatThrownBy(() -> fx.verifier().verifySlot(slot))
                .hasMessage(slot.resolve("bundles/extra.jar") + ": not part of image cairn-appliance-1.2.3");
        Files.delete(slot.resolve("bundles/extra.jar"));
        Files.writeString(slot.resolve("image.metadata.json"),
                Files.readString(slot.resolve("image.metadata.json")).replace("\"nos\"", "\"other\""));
        assertThatThrownBy(() -> fx.verifier().verifySlot(slot))
                .hasMessageStartingWith(slot.resolve("image.metadata.json") + ": signature does not verify");
    }

    @Test
    void givenEmptySlot_whenVerified_thenErrorSaysNoImageIsInstalled() throws Exception {
        assertThatThrownBy(() -> fx.verifier().verifySlot(home.resolve("slots/B")))
                .hasMessageStartingWith(home.resolve("slots/B") + ": no image installed here");
    }

    @Test
    void givenActiveSlot_whenInstallingIntoIt_thenRefusedEvenWithForce() throws Exception {
        install("A", false);
        Files.writeString(home.resolve("slots/A/version"), "marker");
        assertThatThrownBy(() -> install("A", true)).isInstanceOf(ImageException.class)
                .hasMessageContaining("slot A is the active slot").hasMessageContaining("install into the passive slot B");
        assertThat(home.resolve("slots/A/version")).hasContent("marker");
        assertThat(home.resolve("boot")).hasContent("A");
    }

    @Test
    void givenPassiveSlotWithAnImage_whenInstalled_thenRefusedUnlessForced() throws Exception {
        install("A", false);
        install("B", false);
        assertThat(Files.readString(home.resolve("boot"))).as("boot names the first slot installed").isEqualTo("A\n");
        Files.writeString(home.resolve("slots/B/leftover"), "x");
        assertThatThrownBy(() -> install("B", false)).hasMessageContaining("already holds an image; pass --force");
        install("B", true);
        assertThat(home.resolve("slots/B/leftover")).doesNotExist();
        assertThat(fx.verifier().verifySlot(home.resolve("slots/B")).version()).isEqualTo("1.2.3");
        try (Stream<Path> s = Files.list(home.resolve("slots"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("A", "B");
        }
    }

    @Test
    void givenTamperedArchive_whenInstalled_thenNothingIsWritten() throws Exception {
        byte[] b = Files.readAllBytes(out.archive());
        b[100] ^= 1;
        Files.write(out.archive(), b);
        assertThatThrownBy(() -> install("A", false)).isInstanceOf(ImageVerificationException.class)
                .hasMessageStartingWith(out.archive() + ": sha256 mismatch");
        assertThat(home).doesNotExist();
    }

    @Test
    void givenChangedInnerFile_whenInstalled_thenSlotIsNotCreatedAndNoStagingIsLeft() throws Exception {
        SortedMap<String, byte[]> files = ImageFixture.files(out.archive());
        files.put("version", "6.6.6\n".getBytes(StandardCharsets.UTF_8));
        fx.forge(out, ImageAssembler.tarGz(out.meta().topFolder(), files));
        assertThatThrownBy(() -> install("A", false)).hasMessageStartingWith(out.archive() + ": version: sha256 mismatch");
        assertThat(home.resolve("boot")).doesNotExist();
        try (Stream<Path> s = Files.list(home.resolve("slots"))) {
            assertThat(s.toList()).as("no slot, no staging left behind").isEmpty();
        }
    }

    @Test
    void givenBootNamingAnUnknownSlot_whenInstalled_thenRefused() throws Exception {
        Files.createDirectories(home);
        Files.writeString(home.resolve("boot"), "C\n");
        assertThatThrownBy(() -> install("B", false)).hasMessageStartingWith(home.resolve("boot") + ": names slot 'C'");
    }
}
