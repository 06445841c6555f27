package io.cairn.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import aQute.bnd.header.Attrs;
import aQute.bnd.header.OSGiHeader;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.Processor;
import aQute.bnd.version.Version;
import aQute.bnd.version.VersionRange;

/**
 * Builds a reproducible, signed appliance image from a resolved bndrun and its exported run
 * bundles: {@code <name>-<version>.tar.gz}, {@code .metadata.json} and {@code .metadata.json.sig}.
 * The same inputs always give byte-identical archives (sorted entries, fixed time, root owner,
 * fixed modes, no gzip name or time).
 */
public final class ImageAssembler {

    /** Entry time of every archive entry. */
    public static final Instant MTIME = Instant.parse("2026-01-01T00:00:00Z");

    /** Where the signing key is looked for (relative to the working directory) unless one is given. */
    public static final Path DEFAULT_KEY = Path.of(".signing", "dev-release-ed25519.key");

    /**
     * What to assemble. {@code name} is the image name ({@link ImageMetadata#NAME} unless a variant
     * such as the debug image); {@code keyFile} is created as a development key if missing.
     */
    public record Inputs(Path bndrun, Path bundlesDir, Path framework, Path launcher, String name, String version, Path outDir,
            Path keyFile, Path toolsDir) {

        public Inputs(Path bndrun, Path bundlesDir, Path framework, Path launcher, String name, String version, Path outDir,
                Path keyFile) {
            this(bndrun, bundlesDir, framework, launcher, name, version, outDir, keyFile, null);
        }

        public Inputs(Path bndrun, Path bundlesDir, Path framework, Path launcher, String version, Path outDir, Path keyFile) {
            this(bndrun, bundlesDir, framework, launcher, ImageMetadata.NAME, version, outDir, keyFile, null);
        }
    }

    /** The three files written and the metadata they carry. */
    public record Output(Path archive, Path metadata, Path signature, ImageMetadata meta) {
    }

    /** A bundle jar found in the bundles folder. */
    private record BundleJar(String bsn, Version version, Path file) {
    }

    private final PrintStream log;

    public ImageAssembler(PrintStream log) {
        this.log = log;
    }

    public Output assemble(Inputs in) throws ImageException, IOException {
        for (String[] v : new String[][] {{"--name", in.name()}, {"--version", in.version()}}) {
            if (!ImageMetadata.isSafeName(v[1])) {
                throw new ImageException(v[0] + " '" + v[1] + "' must be letters, digits, '.', '-' or '_'");
            }
        }
        requireFile(in.bndrun(), "--bndrun", "the resolved bndrun");
        requireFile(in.framework(), "--framework", "the OSGi framework jar");
        requireFile(in.launcher(), "--launcher", "the Cairn launcher jar");
        if (!Files.isDirectory(in.bundlesDir())) {
            throw new ImageException(in.bundlesDir() + ": --bundles is not a directory; export the bndrun's run bundles into it");
        }

        Map<String, String> runProperties = new TreeMap<>();
        Parameters runBundles;
        try (Processor p = new Processor()) {
            p.setProperties(in.bndrun().toFile());
            Attrs props = OSGiHeader.parseProperties(p.mergeProperties(Constants.RUNPROPERTIES), p);
            props.forEach(runProperties::put);
            runBundles = new Parameters(p.mergeProperties(Constants.RUNBUNDLES), p);
            if (!p.isOk()) {
                throw new ImageException(in.bndrun() + ": " + String.join("; ", p.getErrors()));
            }
        }
        if (runBundles.isEmpty()) {
            throw new ImageException(in.bndrun() + ": -runbundles is empty; resolve the bndrun first");
        }

        SortedMap<String, byte[]> content = new TreeMap<>();
        List<String> order = new ArrayList<>();
        Map<String, List<BundleJar>> available = indexBundles(in.bundlesDir());
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Attrs> e : runBundles.entrySet()) {
            String bsn = Processor.removeDuplicateMarker(e.getKey());
            String version = e.getValue().getVersion();
            BundleJar jar = pick(available.getOrDefault(bsn, List.of()), version, in.bndrun(), bsn);
            if (jar == null) {
                List<BundleJar> other = available.getOrDefault(bsn, List.of());
                missing.add(bsn + ";version='" + (version == null ? "latest" : version) + "'"
                        + (other.isEmpty() ? "" : " (found only " + other.stream().map(b -> b.version().toString())
                                .collect(Collectors.joining(", ")) + ")"));
                continue;
            }
            String path = "bundles/" + jar.bsn() + "-" + jar.version() + ".jar";
            if (content.containsKey(path)) {
                throw new ImageException(in.bndrun() + ": -runbundles lists " + bsn + " " + jar.version() + " twice");
            }
            content.put(path, Files.readAllBytes(jar.file()));
            order.add(path);
        }
        if (!missing.isEmpty()) {
            throw new ImageException(in.bndrun() + ": no jar in " + in.bundlesDir() + " for run bundle"
                    + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + "; export the bndrun's run bundles into that folder (or re-resolve the bndrun)");
        }
        if (in.toolsDir() != null) {
            addTools(in.toolsDir(), content);
        }
        content.put("launcher/cairn-launcher.jar", Files.readAllBytes(in.launcher()));
        content.put("framework/felix.jar", Files.readAllBytes(in.framework()));
        content.put("version", (in.version() + "\n").getBytes(StandardCharsets.UTF_8));
        content.put("bundles.list", (String.join("\n", order) + "\n").getBytes(StandardCharsets.UTF_8));
        content.put("config/framework.properties", frameworkProperties(runProperties));

        SortedMap<String, String> files = new TreeMap<>();
        content.forEach((path, bytes) -> files.put(path, Digests.ofBytes(bytes)));
        byte[] sums = Digests.sums(files).getBytes(StandardCharsets.UTF_8);
        content.put(Digests.SUMS_FILE, sums);
        files.put(Digests.SUMS_FILE, Digests.ofBytes(sums));

        String top = in.name() + "-" + in.version();
        byte[] archive = tarGz(top, content);
        KeyPair keys = SigningKeys.loadOrCreate(in.keyFile(), log);
        ImageMetadata meta = new ImageMetadata(in.name(), in.version(), "nos", archive.length, Digests.ofBytes(archive),
                List.of(), List.of("kvm"), SigningKeys.keyId(keys.getPublic()), files);
        byte[] json = meta.toJson();
        byte[] sig = Base64.getEncoder().encode(SigningKeys.sign(keys.getPrivate(), json));

        Files.createDirectories(in.outDir());
        Path archiveFile = in.outDir().resolve(top + ".tar.gz");
        Path metaFile = in.outDir().resolve(top + ".metadata.json");
        Path sigFile = in.outDir().resolve(top + ".metadata.json.sig");
        writeAtomically(archiveFile, archive);
        writeAtomically(metaFile, json);
        writeAtomically(sigFile, sig);
        log.println("assembled " + archiveFile + " (" + archive.length + " bytes, " + order.size() + " bundles, "
                + files.size() + " files, signed by key " + meta.keyId() + ")");
        return new Output(archiveFile, metaFile, sigFile, meta);
    }

    private static void requireFile(Path file, String option, String what) throws ImageException {
        if (!Files.isRegularFile(file)) {
            throw new ImageException(file + ": " + option + " file not found (" + what + ")");
        }
    }

    /** Bundle jars of a folder by Bundle-SymbolicName; jars without one are ignored. */
    private static Map<String, List<BundleJar>> indexBundles(Path dir) throws IOException, ImageException {
        Map<String, List<BundleJar>> out = new TreeMap<>();
        List<Path> jars;
        try (Stream<Path> s = Files.list(dir)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        }
        for (Path jar : jars) {
            Manifest mf;
            try (JarFile jf = new JarFile(jar.toFile())) {
                mf = jf.getManifest();
            } catch (IOException e) {
                throw new ImageException(jar + ": not a readable jar (" + e.getMessage() + ")", e);
            }
            String bsn = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
            if (bsn == null) {
                continue;
            }
            String v = mf.getMainAttributes().getValue("Bundle-Version");
            Version version;
            try {
                version = Version.parseVersion(v == null ? "0.0.0" : v.strip());
            } catch (IllegalArgumentException e) {
                throw new ImageException(jar + ": Bundle-Version '" + v + "' is not an OSGi version");
            }
            BundleJar b = new BundleJar(bsn.split(";")[0].strip(), version, jar);
            List<BundleJar> same = out.computeIfAbsent(b.bsn(), k -> new ArrayList<>());
            for (BundleJar o : same) {
                if (o.version().equals(version) && !Arrays.equals(Files.readAllBytes(o.file()), Files.readAllBytes(jar))) {
                    throw new ImageException(dir + ": " + o.file().getFileName() + " and " + jar.getFileName() + " are both "
                            + b.bsn() + " " + version + " but differ; remove one");
                }
            }
            same.add(b);
        }
        return out;
    }

    /**
     * The jar a -runbundles entry means: a range picks the highest version inside it, a plain
     * version that exact version, no version (or {@code latest}/{@code snapshot}) the highest.
     */
    private static BundleJar pick(List<BundleJar> candidates, String version, Path bndrun, String bsn) throws ImageException {
        Comparator<BundleJar> byVersion = Comparator.comparing(BundleJar::version);
        if (version == null || version.equals("latest") || version.equals("snapshot")) {
            return candidates.stream().max(byVersion).orElse(null);
        }
        if (version.equals("file") || version.equals("project") || version.equals("hash")) {
            throw new ImageException(bndrun + ": run bundle " + bsn + ";version=" + version
                    + " is not supported; list run bundles by symbolic name and version");
        }
        try {
            if (version.startsWith("[") || version.startsWith("(")) {
                VersionRange range = new VersionRange(version);
                return candidates.stream().filter(b -> range.includes(b.version())).max(byVersion).orElse(null);
            }
            Version exact = Version.parseVersion(version);
            return candidates.stream().filter(b -> b.version().equals(exact)).findFirst().orElse(null);
        } catch (IllegalArgumentException e) {
            throw new ImageException(bndrun + ": run bundle " + bsn + " has an invalid version '" + version + "'");
        }
    }

    /** The run properties as a {@link Properties} file: ASCII (\\uXXXX escapes), keys sorted, no date. */
    static byte[] frameworkProperties(Map<String, String> properties) throws IOException {
        StringBuilder sb = new StringBuilder("# framework properties from the bndrun's -runproperties\n");
        for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
            Properties one = new Properties();
            one.setProperty(e.getKey(), e.getValue());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            one.store(b, null);
            b.toString(StandardCharsets.ISO_8859_1).lines().filter(l -> !l.startsWith("#"))
                    .forEach(l -> sb.append(l).append('\n'));
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A reproducible .tar.gz of {@code content} under {@code top/}: directories first in path order
     * with their files, fixed time, uid/gid 0 (root), modes 0755/0644, POSIX (pax) long names, and a
     * gzip header without name or time.
     */
    public static byte[] tarGz(String top, SortedMap<String, byte[]> content) throws IOException {
        SortedSet<String> dirs = new TreeSet<>();
        dirs.add(top + "/");
        for (String path : content.keySet()) {
            for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
                dirs.add(top + "/" + path.substring(0, i + 1));
            }
        }
        SortedMap<String, byte[]> entries = new TreeMap<>();
        dirs.forEach(d -> entries.put(d, null));
        content.forEach((path, data) -> entries.put(top + "/" + path, data));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setModTime(MTIME.toEpochMilli());
                te.setIds(0, 0);
                te.setNames("root", "root");
                if (e.getValue() == null) {
                    te.setMode(040755);
                    tar.putArchiveEntry(te);
                } else {
                    te.setMode(0100644);
                    te.setSize(e.getValue().length);
                    tar.putArchiveEntry(te);
                    tar.write(e.getValue());
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Every regular file under {@code dir} as {@code tools/<relative path>}: command-line tools the
     * image carries (e.g. {@code ncli}, {@code acli} and their jars) and never starts.
     */
    private static void addTools(Path dir, SortedMap<String, byte[]> content) throws ImageException, IOException {
        if (!Files.isDirectory(dir)) {
            throw new ImageException(dir + ": --tools is not a directory");
        }
        try (var walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                String rel = dir.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                content.put("tools/" + rel, Files.readAllBytes(f));
            }
        }
    }

    private static void writeAtomically(Path file, byte[] data) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.write(tmp, data);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
