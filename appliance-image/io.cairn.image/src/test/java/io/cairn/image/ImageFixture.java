package io.cairn.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Test inputs in a temp folder: three tiny bundles (one with a name long enough to need a pax
 * header), a non-bundle jar, a framework and a launcher jar, and a bndrun that includes a second
 * file for its -runproperties.
 */
final class ImageFixture {

    static final String LONG_BSN = "io.cairn.test.a.bundle.with.a.rather.long.symbolic.name.that.needs.pax";

    final Path dir;
    final Path bundles;
    final Path bndrun;
    final Path framework;
    final Path launcher;
    final Path key;
    final Path pub;
    final Path out;
    final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());

    ImageFixture(Path dir) throws IOException {
        this.dir = dir;
        bundles = Files.createDirectories(dir.resolve("bundles"));
        jar(bundles.resolve("a.jar"), "test.a", "1.0.0", "a");
        jar(bundles.resolve("b-2.1.0.jar"), "test.b;singleton:=true", "2.1.0", "b");
        jar(bundles.resolve("b-3.0.0.jar"), "test.b", "3.0.0", "b3");
        jar(bundles.resolve("long.jar"), LONG_BSN, "0.1.0.SNAPSHOT", "long");
        jar(bundles.resolve("plain.jar"), null, null, "not a bundle");
        Files.writeString(dir.resolve("run.bnd"), """
                -runproperties: \\
                    org.osgi.framework.storage.clean=none,\\
                    felix.log.level=1,\\
                    cairn.greeting='gr\u00fc\u00dfe: a=b'
                """, StandardCharsets.UTF_8);
        bndrun = dir.resolve("test.bndrun");
        Files.writeString(bndrun, """
                -include: ${.}/run.bnd
                -runproperties.extra: cairn.extra=yes
                -runbundles: \\
                    test.b;version='[2.1.0,2.1.1)',\\
                    %s;version='[0.1.0,0.1.1)',\\
                    test.a;version='[1.0.0,1.0.1)'
                """.formatted(LONG_BSN), StandardCharsets.UTF_8);
        framework = jar(dir.resolve("felix.jar"), "org.apache.felix.framework", "7.0.5", "fw");
        launcher = jar(dir.resolve("launcher.jar"), null, null, "launcher");
        key = dir.resolve("keys/dev.key");
        pub = dir.resolve("keys/dev.pub");
        out = dir.resolve("out");
    }

    /** A jar with a manifest; {@code bsn == null} makes a plain (non-bundle) jar. */
    static Path jar(Path file, String bsn, String version, String payload) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", bsn);
            a.putValue("Bundle-Version", version);
        }
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(file), mf)) {
            j.putNextEntry(new JarEntry("p.txt"));
            j.write(payload.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    ImageAssembler.Inputs inputs() {
        return inputs(out);
    }

    ImageAssembler.Inputs inputs(Path outDir) {
        return new ImageAssembler.Inputs(bndrun, bundles, framework, launcher, "1.2.3", outDir, key);
    }

    ImageAssembler.Output assemble() throws Exception {
        return new ImageAssembler(quiet).assemble(inputs());
    }

    ImageVerifier verifier() throws Exception {
        return new ImageVerifier(SigningKeys.trusted(pub));
    }

    ImageInstaller installer() throws Exception {
        return new ImageInstaller(verifier(), quiet);
    }

    /** Files of an archive (relative to its top folder) in archive order; directories map to null. */
    static Map<String, byte[]> entries(Path archive) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        tarEntries(archive, out);
        return out;
    }

    static List<TarArchiveEntry> tarEntries(Path archive, Map<String, byte[]> contents) throws IOException {
        List<TarArchiveEntry> list = new ArrayList<>();
        try (InputStream in = Files.newInputStream(archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                list.add(e);
                String name = e.getName().substring(e.getName().indexOf('/') + 1);
                contents.put(name, e.isDirectory() ? null : tar.readAllBytes());
            }
        }
        return list;
    }

    /** The files of the image (no directories), sorted. */
    static SortedMap<String, byte[]> files(Path archive) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        entries(archive).forEach((k, v) -> {
            if (v != null) {
                files.put(k, v);
            }
        });
        return files;
    }

    /**
     * Replaces the archive with {@code archiveBytes} and re-signs the metadata with the real key so
     * that its size and sha256 match the new archive while {@code files} stays as signed before:
     * the outer checks pass, only the inner checks can catch the change.
     */
    void forge(ImageAssembler.Output out, byte[] archiveBytes) throws Exception {
        ImageMetadata good = ImageMetadata.parse(Files.readAllBytes(out.metadata()), "m");
        ImageMetadata forged = new ImageMetadata(good.name(), good.version(), good.softwareType(), archiveBytes.length,
                Digests.ofBytes(archiveBytes), good.upgradableFrom(), good.compatibleHypervisors(), good.keyId(), good.files());
        Files.write(out.archive(), archiveBytes);
        Files.write(out.metadata(), forged.toJson());
        Files.write(out.signature(),
                Base64.getEncoder().encode(SigningKeys.sign(SigningKeys.load(key).getPrivate(), forged.toJson())));
    }

    /** The files of an archive as full entry names, in order, for {@link #rawTarGz}. */
    static List<Map.Entry<String, byte[]>> rawEntries(Path archive, String top) throws IOException {
        List<Map.Entry<String, byte[]>> list = new ArrayList<>();
        files(archive).forEach((k, v) -> list.add(Map.entry(top + "/" + k, v)));
        return list;
    }

    /** A .tar.gz written entry by entry (names as given, no checks), for hostile archives. */
    static byte[] rawTarGz(List<Map.Entry<String, byte[]>> entries) throws IOException {
        return rawTarGz(entries, null, null);
    }

    /** Same, with the entry {@code symlink} (if not null) replaced by a symbolic link to {@code target}. */
    static byte[] rawTarGz(List<Map.Entry<String, byte[]>> entries, String symlink, String target) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries) {
                if (e.getKey().equals(symlink)) {
                    continue;
                }
                TarArchiveEntry te = new TarArchiveEntry(e.getKey(), true);
                te.setSize(e.getValue().length);
                tar.putArchiveEntry(te);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
            if (symlink != null) {
                TarArchiveEntry link = new TarArchiveEntry(symlink, TarConstants.LF_SYMLINK);
                link.setLinkName(target);
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
