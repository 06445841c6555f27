package io.cairn.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageToolTest {

    @TempDir
    Path tmp;

    private final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    private Path key;
    private Path pub;
    private ImageAssembler.Inputs inputs;

    @BeforeEach
    void fixture() throws IOException {
        Path bundles = Files.createDirectories(tmp.resolve("bundles"));
        jar(bundles.resolve("a-1.0.0.jar"), "test.a", "1.0.0", "a");
        jar(bundles.resolve("b-2.1.0.jar"), "test.b", "2.1.0", "b");
        jar(bundles.resolve("b-3.0.0.jar"), "test.b", "3.0.0", "b3");
        Path run = tmp.resolve("run.bnd");
        Files.writeString(run, "-runproperties: org.osgi.framework.storage.clean=none, felix.log.level=1\n");
        Path bndrun = tmp.resolve("test.bndrun");
        Files.writeString(bndrun, "-include: ${.}/run.bnd\n-runbundles: \\\n  test.b;version='[2.1.0,2.1.1)',\\\n  test.a;version='[1.0.0,1.0.1)'\n");
        Path felix = jar(tmp.resolve("felix.jar"), "org.apache.felix.framework", "7.0.5", "fw");
        Path launcher = jar(tmp.resolve("launcher.jar"), "io.cairn.launcher", "0.1.0", "l");
        key = tmp.resolve("keys/dev.key");
        pub = tmp.resolve("keys/dev.pub");
        inputs = new ImageAssembler.Inputs(bndrun, bundles, felix, launcher, ImageMetadata.NAME, "1.2.3", tmp.resolve("out"), key);
    }

    static Path jar(Path file, String bsn, String version, String payload) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(file), mf)) {
            j.putNextEntry(new JarEntry("p.txt"));
            j.write(payload.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private ImageAssembler.Output assemble() throws Exception {
        return new ImageAssembler(quiet).assemble(inputs);
    }

    private ImageVerifier verifier() throws Exception {
        return new ImageVerifier(SigningKeys.trusted(pub));
    }

    @Test
    void givenResolvedBndrun_whenAssembled_thenSignedImageVerifiesAndHasTheSlotLayout() throws Exception {
        var out = assemble();
        assertThat(pub).exists();
        assertThat(Files.getPosixFilePermissions(key)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        ImageMetadata m = verifier().verifyArchive(out.archive(), out.metadata(), out.signature(), null);
        assertThat(m.version()).isEqualTo("1.2.3");
        assertThat(m.softwareType()).isEqualTo("nos");
        assertThat(m.files()).containsOnlyKeys("SHA256SUMS", "bundles.list", "bundles/a-1.0.0.jar", "bundles/b-2.1.0.jar",
                "config/framework.properties", "framework/felix.jar", "launcher/cairn-launcher.jar", "version");
        Path home = tmp.resolve("home");
        new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(), home, "A", false);
        assertThat(home.resolve("boot")).hasContent("A");
        assertThat(home.resolve("slots/A/bundles.list")).hasContent("bundles/b-2.1.0.jar\nbundles/a-1.0.0.jar");
        assertThat(Files.readString(home.resolve("slots/A/config/framework.properties")))
                .contains("org.osgi.framework.storage.clean=none", "felix.log.level=1");
        assertThat(verifier().verifySlot(home.resolve("slots/A")).version()).isEqualTo("1.2.3");
    }

    @Test
    void givenSameInputs_whenAssembledTwice_thenArchivesAreByteIdentical() throws Exception {
        byte[] first = Files.readAllBytes(assemble().archive());
        byte[] second = Files.readAllBytes(assemble().archive());
        assertThat(second).isEqualTo(first);
    }

    @Test
    void givenTamperedArchive_whenVerified_thenFailsNamingTheFile() throws Exception {
        var out = assemble();
        byte[] b = Files.readAllBytes(out.archive());
        b[b.length / 2] ^= 0x40;
        Files.write(out.archive(), b);
        assertThatThrownBy(() -> verifier().verifyArchive(out.archive(), out.metadata(), out.signature(), null))
                .isInstanceOf(ImageVerificationException.class)
                .hasMessageContaining(out.archive().toString()).hasMessageContaining("sha256 mismatch");
    }

    @Test
    void givenModifiedMetadataOrWrongKey_whenVerified_thenSignatureFailureNamesTheMetadata() throws Exception {
        var out = assemble();
        Path other = tmp.resolve("other/other.key");
        SigningKeys.loadOrCreate(other, quiet);
        assertThatThrownBy(() -> new ImageVerifier(SigningKeys.trusted(tmp.resolve("other/other.pub")))
                .verifyArchive(out.archive(), out.metadata(), out.signature(), null))
                .hasMessageContaining(out.metadata().toString()).hasMessageContaining("does not verify with any trusted key");
        Files.writeString(out.metadata(), Files.readString(out.metadata()).replace("\"1.2.3\"", "\"9.9.9\""));
        assertThatThrownBy(() -> verifier().verifyArchive(out.archive(), out.metadata(), out.signature(), null))
                .hasMessageContaining(out.metadata().toString()).hasMessageContaining("signature");
    }

    @Test
    void givenResignedOuterHashButChangedInnerFile_whenVerified_thenFailureNamesTheInnerPath() throws Exception {
        var out = assemble();
        ImageMetadata good = ImageMetadata.parse(Files.readAllBytes(out.metadata()), "m");
        SortedMap<String, byte[]> content = new TreeMap<>();
        Path home = tmp.resolve("unpack");
        new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(), home, "A", false);
        for (String path : good.files().keySet()) {
            content.put(path, Files.readAllBytes(home.resolve("slots/A").resolve(path)));
        }
        content.put("bundles/a-1.0.0.jar", "evil".getBytes(StandardCharsets.UTF_8));
        byte[] evil = ImageAssembler.tarGz(good.topFolder(), content);
        Files.write(out.archive(), evil);
        ImageMetadata forged = new ImageMetadata(good.name(), good.version(), good.softwareType(), evil.length,
                Digests.ofBytes(evil), good.upgradableFrom(), good.compatibleHypervisors(), good.keyId(), good.files());
        KeyPair keys = SigningKeys.loadOrCreate(key, quiet);
        Files.write(out.metadata(), forged.toJson());
        Files.write(out.signature(), Base64.getEncoder().encode(SigningKeys.sign(keys.getPrivate(), forged.toJson())));
        assertThatThrownBy(() -> verifier().verifyArchive(out.archive(), out.metadata(), out.signature(), null))
                .hasMessageContaining("bundles/a-1.0.0.jar: sha256 mismatch");
    }

    @Test
    void givenInstalledSlot_whenAFileIsTamperedOrAdded_thenVerifySlotNamesIt() throws Exception {
        var out = assemble();
        Path home = tmp.resolve("home");
        new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(), home, "A", false);
        Path felix = home.resolve("slots/A/framework/felix.jar");
        Files.write(felix, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> verifier().verifySlot(home.resolve("slots/A"))).hasMessageContaining(felix.toString());
        Files.delete(felix);
        assertThatThrownBy(() -> verifier().verifySlot(home.resolve("slots/A")))
                .hasMessageContaining("framework/felix.jar is missing");
        Files.writeString(home.resolve("slots/A/extra.txt"), "x");
        assertThatThrownBy(() -> verifier().verifySlot(home.resolve("slots/A"))).hasMessageContaining("extra.txt: not part of image");
    }

    @Test
    void givenActiveSlot_whenInstallingIntoIt_thenRefusedAndNothingWritten() throws Exception {
        var out = assemble();
        Path home = tmp.resolve("home");
        new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(), home, "A", false);
        assertThatThrownBy(() -> new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(),
                home, "A", true)).hasMessageContaining("slot A is the active slot");
        new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(), home, "B", false);
        assertThat(home.resolve("boot")).hasContent("A");
        assertThatThrownBy(() -> new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(),
                home, "B", false)).hasMessageContaining("already holds an image");
    }

    @Test
    void givenTamperedArchive_whenInstalled_thenSlotIsNotCreated() throws Exception {
        var out = assemble();
        byte[] b = Files.readAllBytes(out.archive());
        b[100] ^= 1;
        Files.write(out.archive(), b);
        Path home = tmp.resolve("home");
        assertThatThrownBy(() -> new ImageInstaller(verifier(), quiet).install(out.archive(), out.metadata(), out.signature(),
                home, "A", false)).isInstanceOf(ImageVerificationException.class);
        assertThat(home.resolve("slots/A")).doesNotExist();
        assertThat(home.resolve("boot")).doesNotExist();
        try (var s = Files.list(home.resolve("slots"))) {
            assertThat(s.toList()).as("no staging left behind").isEmpty();
        }
    }

    @Test
    void givenRunBundleWithoutJar_whenAssembled_thenErrorNamesIt() throws Exception {
        Files.writeString(inputs.bndrun(), "-runbundles: test.missing;version='[1.0.0,1.0.1)'\n");
        assertThatThrownBy(this::assemble).hasMessageContaining("run bundle test.missing").hasMessageContaining("has no jar");
    }

    @Test
    void givenBadArguments_whenRun_thenExit2WithUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(ImageTool.run(new String[] {"verify", "--archive"}, quiet, new PrintStream(err))).isEqualTo(2);
        assertThat(err.toString()).contains("--archive needs a value").contains("usage:");
        err.reset();
        assertThat(ImageTool.run(new String[] {"frobnicate"}, quiet, new PrintStream(err))).isEqualTo(2);
        assertThat(err.toString()).contains("unknown command 'frobnicate'");
        err.reset();
        assertThat(ImageTool.run(new String[] {"verify", "--archive", "/nope.tar.gz", "--trust", "/nope"}, quiet,
                new PrintStream(err))).isEqualTo(1);
        assertThat(err.toString()).contains("no trusted public key");
    }

    @Test
    void givenGoodImage_whenVerifiedFromTheCommandLine_thenOkLine() throws Exception {
        var out = assemble();
        ByteArrayOutputStream so = new ByteArrayOutputStream();
        int rc = ImageTool.run(new String[] {"verify", "--archive", out.archive().toString(), "--trust", pub.getParent().toString()},
                new PrintStream(so), quiet);
        assertThat(rc).isZero();
        assertThat(so.toString()).contains("OK ").contains("version 1.2.3").contains("8 files");
        assertThat(List.of(SigningKeys.trusted(pub.getParent()).getFirst().keyId())).containsExactly(out.meta().keyId());
    }
}
