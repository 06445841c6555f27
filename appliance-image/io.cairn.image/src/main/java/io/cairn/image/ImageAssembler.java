package io.cairn.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import aQute.bnd.header.Attrs;
import aQute.bnd.header.OSGiHeader;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Processor;
import aQute.bnd.version.Version;
import aQute.bnd.version.VersionRange;

/** Builds a reproducible, signed appliance image from a resolved bndrun and its exported bundles. */
public final class ImageAssembler {

    /** Fixed entry time: the same inputs always give the same archive bytes. */
    static final long MTIME = java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    public record Inputs(Path bndrun, Path bundlesDir, Path framework, Path launcher, String name, String version, Path outDir,
            Path keyFile) {
    }

    public record Output(Path archive, Path metadata, Path signature, ImageMetadata meta) {
    }

    private final PrintStream log;

    public ImageAssembler(PrintStream log) {
        this.log = log;
    }

    public Output assemble(Inputs in) throws IOException, GeneralSecurityException, ImageVerificationException {
        require(in.framework(), "--framework");
        require(in.launcher(), "--launcher");
        for (String[] v : new String[][] {{"--name", in.name()}, {"--version", in.version()}}) {
            if (!v[1].matches("[0-9A-Za-z][0-9A-Za-z.\\-_]*")) {
                throw new ImageVerificationException(v[0] + " '" + v[1] + "' must be letters, digits, '.', '-' or '_'");
            }
        }
        SortedMap<String, byte[]> content = new TreeMap<>();
        List<String> order = new ArrayList<>();
        Properties runProperties = new Properties();
        try (Processor p = new Processor()) {
            if (!Files.isRegularFile(in.bndrun())) {
                throw new ImageVerificationException(in.bndrun() + ": bndrun file not found");
            }
            p.setProperties(in.bndrun().toFile());
            Attrs props = OSGiHeader.parseProperties(p.mergeProperties("-runproperties"), p);
            props.forEach(runProperties::setProperty);
            Parameters runbundles = new Parameters(p.getProperty("-runbundles"), p);
            if (runbundles.isEmpty()) {
                throw new ImageVerificationException(in.bndrun() + ": -runbundles is empty; resolve the bndrun first");
            }
            Map<String, List<Path>> jarsByBsn = indexBundles(in.bundlesDir());
            for (Map.Entry<String, Attrs> e : runbundles.entrySet()) {
                String bsn = Processor.removeDuplicateMarker(e.getKey());
                String range = e.getValue().getVersion();
                Path jar = pick(jarsByBsn.getOrDefault(bsn, List.of()), range);
                if (jar == null) {
                    throw new ImageVerificationException(in.bndrun() + ": run bundle " + bsn + " " + (range == null ? "" : range)
                            + " has no jar in " + in.bundlesDir() + "; export the bndrun's run bundles first");
                }
                String name = "bundles/" + jar.getFileName();
                content.put(name, Files.readAllBytes(jar));
                order.add(name);
            }
        }
        content.put("launcher/cairn-launcher.jar", Files.readAllBytes(in.launcher()));
        content.put("framework/felix.jar", Files.readAllBytes(in.framework()));
        content.put("version", (in.version() + "\n").getBytes(StandardCharsets.UTF_8));
        content.put("bundles.list", (String.join("\n", order) + "\n").getBytes(StandardCharsets.UTF_8));
        content.put("config/framework.properties", sortedProperties(runProperties));

        SortedMap<String, String> files = new TreeMap<>();
        content.forEach((path, bytes) -> files.put(path, Digests.ofBytes(bytes)));
        byte[] sums = Digests.sums(files).getBytes(StandardCharsets.UTF_8);
        content.put("SHA256SUMS", sums);
        files.put("SHA256SUMS", Digests.ofBytes(sums));

        String top = in.name() + "-" + in.version();
        byte[] archive = tarGz(top, content);
        KeyPair keys = SigningKeys.loadOrCreate(in.keyFile(), log);
        ImageMetadata meta = new ImageMetadata(in.name(), in.version(), "nos", archive.length,
                Digests.ofBytes(archive), List.of(), List.of("kvm"), SigningKeys.keyId(keys.getPublic()), files);
        byte[] json = meta.toJson();
        byte[] sig = Base64.getEncoder().encode(SigningKeys.sign(keys.getPrivate(), json));

        Files.createDirectories(in.outDir());
        Path archiveFile = in.outDir().resolve(top + ".tar.gz");
        Path metaFile = in.outDir().resolve(top + ".metadata.json");
        Path sigFile = in.outDir().resolve(top + ".metadata.json.sig");
        Files.write(archiveFile, archive);
        Files.write(metaFile, json);
        Files.write(sigFile, sig);
        log.println("assembled " + archiveFile + " (" + archive.length + " bytes, " + order.size() + " bundles, signed by key "
                + meta.keyId() + ")");
        return new Output(archiveFile, metaFile, sigFile, meta);
    }

    private static void require(Path file, String option) throws ImageVerificationException {
        if (file == null || !Files.isRegularFile(file)) {
            throw new ImageVerificationException(option + " " + file + ": file not found");
        }
    }

    private static Map<String, List<Path>> indexBundles(Path dir) throws IOException, ImageVerificationException {
        if (!Files.isDirectory(dir)) {
            throw new ImageVerificationException("--bundles " + dir + ": not a directory");
        }
        Map<String, List<Path>> out = new HashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                try (JarFile jf = new JarFile(jar.toFile())) {
                    Manifest mf = jf.getManifest();
                    String bsn = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
                    if (bsn != null) {
                        out.computeIfAbsent(bsn.split(";")[0].strip(), k -> new ArrayList<>()).add(jar);
                    }
                }
            }
        }
        return out;
    }

    private static Path pick(List<Path> candidates, String range) throws IOException {
        for (Path jar : candidates) {
            if (range == null) {
                return jar;
            }
            try (JarFile jf = new JarFile(jar.toFile())) {
                String v = jf.getManifest().getMainAttributes().getValue("Bundle-Version");
                if (new VersionRange(range).includes(Version.parseVersion(v == null ? "0" : v))) {
                    return jar;
                }
            }
        }
        return null;
    }

    private static byte[] sortedProperties(Properties p) {
        StringBuilder sb = new StringBuilder("# framework properties from the bndrun's -runproperties\n");
        new TreeMap<>(p).forEach((k, v) -> {
            Properties one = new Properties();
            one.setProperty(k.toString(), v.toString());
            StringBuilder line = new StringBuilder();
            try {
                java.io.StringWriter w = new java.io.StringWriter();
                one.store(w, null);
                w.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> line.append(l).append('\n'));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            sb.append(line);
        });
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A reproducible .tar.gz: sorted entries, fixed times, root ownership, no gzip name or time. */
    static byte[] tarGz(String top, SortedMap<String, byte[]> content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            java.util.SortedSet<String> dirs = new java.util.TreeSet<>();
            dirs.add(top + "/");
            for (String path : content.keySet()) {
                for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
                    dirs.add(top + "/" + path.substring(0, i + 1));
                }
            }
            SortedMap<String, byte[]> entries = new TreeMap<>();
            dirs.forEach(d -> entries.put(d, null));
            content.forEach((path, data) -> entries.put(top + "/" + path, data));
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setModTime(MTIME);
                te.setIds(0, 0);
                te.setNames("root", "root");
                if (e.getValue() == null) {
                    te.setMode(TarArchiveEntry.DEFAULT_DIR_MODE);
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
}
