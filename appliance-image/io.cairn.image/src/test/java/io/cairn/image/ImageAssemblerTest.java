package io.cairn.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class ImageAssemblerTest {

    @TempDir
    Path tmp;
    ImageFixture fx;

    @BeforeEach
    void fixture() throws Exception {
        fx = new ImageFixture(tmp);
    }

    @Test
    void givenResolvedBndrun_whenAssembled_thenArchiveHasTheImageLayout() throws Exception {
        var out = fx.assemble();

        assertThat(out.archive()).hasFileName("cairn-appliance-1.2.3.tar.gz");
        assertThat(out.metadata()).hasFileName("cairn-appliance-1.2.3.metadata.json");
        assertThat(out.signature()).hasFileName("cairn-appliance-1.2.3.metadata.json.sig");
        String b = "bundles/test.b-2.1.0.jar";
        String l = "bundles/" + ImageFixture.LONG_BSN + "-0.1.0.SNAPSHOT.jar";
        String a = "bundles/test.a-1.0.0.jar";
        Map<String, byte[]> entries = ImageFixture.entries(out.archive());
        assertThat(entries.keySet()).containsExactly("", "SHA256SUMS", "bundles.list", "bundles/", l, a, b, "config/",
                "config/framework.properties", "framework/", "framework/felix.jar", "launcher/", "launcher/cairn-launcher.jar",
                "version");
        assertThat(text(entries.get("version"))).isEqualTo("1.2.3\n");
        assertThat(text(entries.get("bundles.list"))).as("-runbundles order").isEqualTo(b + "\n" + l + "\n" + a + "\n");
        assertThat(entries.get(b)).isEqualTo(Files.readAllBytes(fx.bundles.resolve("b-2.1.0.jar")));
        assertThat(entries.get("framework/felix.jar")).isEqualTo(Files.readAllBytes(fx.framework));
        assertThat(entries.get("launcher/cairn-launcher.jar")).isEqualTo(Files.readAllBytes(fx.launcher));

        String props = new String(entries.get("config/framework.properties"), StandardCharsets.ISO_8859_1);
        assertThat(props).as("pure ASCII").matches("\\p{ASCII}*");
        List<String> keys = props.lines().filter(x -> !x.startsWith("#")).map(x -> x.substring(0, x.indexOf('='))).toList();
        assertThat(keys).isSorted().containsExactly("cairn.extra", "cairn.greeting", "felix.log.level",
                "org.osgi.framework.storage.clean");
        Properties p = new Properties();
        p.load(new StringReader(props));
        assertThat(p).containsEntry("cairn.greeting", "gr\u00fc\u00dfe: a=b").containsEntry("cairn.extra", "yes")
                .containsEntry("org.osgi.framework.storage.clean", "none").containsEntry("felix.log.level", "1");

        StringBuilder sums = new StringBuilder();
        entries.forEach((path, data) -> {
            if (data != null && !path.equals("SHA256SUMS")) {
                sums.append(sha256(data)).append("  ").append(path).append('\n');
            }
        });
        assertThat(text(entries.get("SHA256SUMS"))).isEqualTo(sums.toString());
    }

    @Test
    void givenAToolsFolder_whenAssembled_thenItsFilesAreCarriedUnderToolsAndSignedLikeEveryOther() throws Exception {
        Path tools = tmp.resolve("tools");
        Files.createDirectories(tools.resolve("lib"));
        Files.writeString(tools.resolve("ncli"), "#!/usr/bin/env bash\n");
        Files.writeString(tools.resolve("lib/io.cairn.cli.jar"), "jar");
        ImageAssembler.Inputs plain = fx.inputs();
        var out = new ImageAssembler(fx.quiet).assemble(new ImageAssembler.Inputs(plain.bndrun(), plain.bundlesDir(), plain.framework(),
                plain.launcher(), plain.name(), plain.version(), plain.outDir(), plain.keyFile(), tools));
        Map<String, byte[]> entries = ImageFixture.entries(out.archive());
        assertThat(entries).containsKeys("tools/", "tools/lib/", "tools/ncli", "tools/lib/io.cairn.cli.jar");
        assertThat(new String(entries.get("tools/ncli"), StandardCharsets.UTF_8)).isEqualTo("#!/usr/bin/env bash\n");
        assertThat(out.meta().files()).containsKeys("tools/ncli", "tools/lib/io.cairn.cli.jar");
        fx.verifier().verifyArchive(out.archive(), out.metadata(), out.signature(), null);
        assertThatThrownBy(() -> new ImageAssembler(fx.quiet).assemble(new ImageAssembler.Inputs(plain.bndrun(), plain.bundlesDir(),
                plain.framework(), plain.launcher(), plain.name(), plain.version(), plain.outDir(), plain.keyFile(), tmp.resolve("none"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("--tools is not a directory");
    }

    @Test
    void givenResolvedBndrun_whenAssembled_thenMetadataIsSignedWithEd25519() throws Exception {
        var out = fx.assemble();
        byte[] json = Files.readAllBytes(out.metadata());
        JsonNode m = new ObjectMapper().readTree(json);
        List<String> fields = new ArrayList<>();
        m.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("name", "version", "software_type", "size", "sha256", "upgradable_from",
                "compatible_hypervisors", "key_id", "files");
        assertThat(m.get("name").asText()).isEqualTo("cairn-appliance");
        assertThat(m.get("version").asText()).isEqualTo("1.2.3");
        assertThat(m.get("software_type").asText()).isEqualTo("nos");
        assertThat(m.get("size").asLong()).isEqualTo(Files.size(out.archive()));
        assertThat(m.get("sha256").asText()).isEqualTo(sha256(Files.readAllBytes(out.archive())));
        assertThat(m.get("upgradable_from").isEmpty()).isTrue();
        assertThat(m.get("compatible_hypervisors").toString()).isEqualTo("[\"kvm\"]");
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\n  \"files\" : {");
        Map<String, String> files = new LinkedHashMap<>();
        m.get("files").fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
        assertThat(List.copyOf(files.keySet())).isSorted().hasSize(9);
        ImageFixture.files(out.archive()).forEach((path, data) -> assertThat(files).containsEntry(path, sha256(data)));

        // checked with the JDK's own Ed25519, independently of Bouncy Castle
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(pemBody(fx.pub)));
        byte[] raw = Arrays.copyOfRange(pub.getEncoded(), pub.getEncoded().length - 32, pub.getEncoded().length);
        assertThat(m.get("key_id").asText()).isEqualTo(sha256(raw).substring(0, 16));
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(pub);
        s.update(json);
        assertThat(s.verify(Base64.getDecoder().decode(Files.readString(out.signature()).strip()))).isTrue();
    }

    @Test
    void givenSameInputs_whenAssembledTwice_thenArchivesAreByteIdentical() throws Exception {
        var first = new ImageAssembler(fx.quiet).assemble(fx.inputs(tmp.resolve("one")));
        Files.setLastModifiedTime(fx.framework, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(3600)));
        var second = new ImageAssembler(fx.quiet).assemble(fx.inputs(tmp.resolve("two")));
        assertThat(Files.readAllBytes(second.archive())).isEqualTo(Files.readAllBytes(first.archive()));
        assertThat(Files.readAllBytes(second.metadata())).isEqualTo(Files.readAllBytes(first.metadata()));
        assertThat(Files.readAllBytes(second.signature())).isEqualTo(Files.readAllBytes(first.signature()));
    }

    @Test
    void givenAssembledArchive_whenInspected_thenEntriesHaveFixedTimesOwnersAndModes() throws Exception {
        var out = fx.assemble();
        byte[] gz = Files.readAllBytes(out.archive());
        assertThat(Arrays.copyOfRange(gz, 3, 8)).as("gzip FLG and MTIME: no name, no time").containsOnly(0);
        List<TarArchiveEntry> list = ImageFixture.tarEntries(out.archive(), new LinkedHashMap<>());
        assertThat(list).extracting(TarArchiveEntry::getName).isSorted().allMatch(n -> n.startsWith("cairn-appliance-1.2.3/"));
        for (TarArchiveEntry e : list) {
            assertThat(e.getModTime().toInstant()).as(e.getName()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
            assertThat(e.getLongUserId()).isZero();
            assertThat(e.getLongGroupId()).isZero();
            assertThat(e.getUserName()).isEqualTo("root");
            assertThat(e.getMode() & 07777).as(e.getName()).isEqualTo(e.isDirectory() ? 0755 : 0644);
        }
    }

    @Test
    void givenRangeWithSeveralVersions_whenAssembled_thenHighestVersionInRangeIsTaken() throws Exception {
        Files.writeString(fx.bndrun, "-runbundles: test.b;version='[2.0.0,4.0.0)', test.a;version=1.0.0\n");
        var out = fx.assemble();
        assertThat(ImageFixture.files(out.archive())).containsKeys("bundles/test.b-3.0.0.jar", "bundles/test.a-1.0.0.jar")
                .doesNotContainKey("bundles/test.b-2.1.0.jar");
    }

    @Test
    void givenRunBundleWithoutJar_whenAssembled_thenErrorNamesIt() throws Exception {
        Files.writeString(fx.bndrun, "-runbundles: test.a;version='[1.0.0,1.0.1)', test.missing;version='[1.0.0,1.0.1)',"
                + " test.b;version='[4.0.0,5.0.0)'\n");
        assertThatThrownBy(fx::assemble).isInstanceOf(ImageException.class)
                .hasMessageContaining(fx.bndrun.toString())
                .hasMessageContaining("test.missing;version='[1.0.0,1.0.1)'")
                .hasMessageContaining("test.b;version='[4.0.0,5.0.0)' (found only 2.1.0, 3.0.0)")
                .hasMessageContaining("export the bndrun's run bundles");
        assertThat(fx.out).doesNotExist();
    }

    @Test
    void givenBndrunWithMissingInclude_whenAssembled_thenErrorNamesTheBndrun() throws Exception {
        Files.writeString(fx.bndrun, "-include: ${.}/nope.bnd\n-runbundles: test.a\n");
        assertThatThrownBy(fx::assemble).isInstanceOf(ImageException.class).hasMessageStartingWith(fx.bndrun.toString())
                .hasMessageContaining("nope.bnd");
    }

    @Test
    void givenNoSigningKey_whenAssembled_thenPrivateDevelopmentKeyIsGeneratedOnce() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new ImageAssembler(new PrintStream(log, true, StandardCharsets.UTF_8)).assemble(fx.inputs());
        assertThat(log.toString(StandardCharsets.UTF_8)).containsOnlyOnce("generated a development signing key " + fx.key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fx.key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fx.key.getParent()))).isEqualTo("rwx------");
        assertThat(Files.readString(fx.key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(fx.pub)).startsWith("-----BEGIN PUBLIC KEY-----");
        log.reset();
        new ImageAssembler(new PrintStream(log, true, StandardCharsets.UTF_8)).assemble(fx.inputs());
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("generated");
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] pemBody(Path pem) throws Exception {
        String b64 = Files.readAllLines(pem).stream().filter(x -> !x.startsWith("-----")).reduce("", String::concat);
        return Base64.getDecoder().decode(b64);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
