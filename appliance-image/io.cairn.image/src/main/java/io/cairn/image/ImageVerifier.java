package io.cairn.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks an image before anything is written: signature over the metadata, archive size and
 * SHA-256, then every file inside against the signed per-file checksums. The first failure stops
 * the check with a message naming the file.
 */
public final class ImageVerifier {

    /** What to do with each verified archive file (path relative to the image's top folder). */
    @FunctionalInterface
    public interface EntrySink {
        void accept(String path, byte[] data) throws IOException;
    }

    private final List<SigningKeys.Trusted> trusted;

    public ImageVerifier(List<SigningKeys.Trusted> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    public static Path defaultMetadata(Path archive) {
        String name = archive.getFileName().toString();
        String base = name.endsWith(".tar.gz") ? name.substring(0, name.length() - 7) : name;
        return archive.resolveSibling(base + ".metadata.json");
    }

    public static Path defaultSignature(Path metadata) {
        return metadata.resolveSibling(metadata.getFileName() + ".sig");
    }

    /** Verifies the signed metadata file and returns it. */
    public ImageMetadata verifyMetadata(Path metadata, Path signature) throws ImageVerificationException {
        byte[] json = read(metadata, "metadata");
        byte[] sigText = read(signature, "signature");
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(new String(sigText, StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            throw new ImageVerificationException(signature + ": not a base64 signature");
        }
        boolean ok = trusted.stream().anyMatch(t -> SigningKeys.verify(t.key(), json, sig));
        if (!ok) {
            throw new ImageVerificationException(metadata + ": signature " + signature.getFileName()
                    + " does not verify with any trusted key (" + trusted.stream().map(SigningKeys.Trusted::keyId)
                            .collect(Collectors.joining(", ")) + "); the metadata was modified or signed by an untrusted key");
        }
        return ImageMetadata.parse(json, metadata.toString());
    }

    /** Verifies archive + metadata + signature; each verified file is handed to {@code sink} (may be null). */
    public ImageMetadata verifyArchive(Path archive, Path metadata, Path signature, EntrySink sink)
            throws ImageVerificationException, IOException {
        if (!Files.isRegularFile(archive)) {
            throw new ImageVerificationException(archive + ": image archive not found");
        }
        ImageMetadata meta = verifyMetadata(metadata, signature);
        long size = Files.size(archive);
        String sha = Digests.of(archive);
        if (size != meta.size() || !sha.equals(meta.sha256())) {
            throw new ImageVerificationException(archive + ": sha256 mismatch (expected " + meta.sha256() + ", " + meta.size()
                    + " bytes; got " + sha + ", " + size + " bytes): the archive was modified or truncated");
        }
        String prefix = meta.topFolder() + "/";
        SortedMap<String, String> seen = new TreeMap<>();
        byte[] sums = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                String name = e.getName();
                if (!name.startsWith(prefix) || name.contains("..") || name.startsWith("/")) {
                    throw new ImageVerificationException(archive + ": entry '" + name + "' lies outside " + prefix);
                }
                if (e.isDirectory()) {
                    continue;
                }
                if (!e.isFile()) {
                    throw new ImageVerificationException(archive + ": entry '" + name + "' is not a regular file");
                }
                String path = name.substring(prefix.length());
                byte[] data = tar.readAllBytes();
                String expected = meta.files().get(path);
                if (expected == null) {
                    throw new ImageVerificationException(archive + ": " + path + " is not listed in the signed metadata");
                }
                String actual = Digests.ofBytes(data);
                if (!expected.equals(actual)) {
                    throw new ImageVerificationException(archive + ": " + path + ": sha256 mismatch (expected " + expected
                            + ", got " + actual + ")");
                }
                seen.put(path, actual);
                if (path.equals("SHA256SUMS")) {
                    sums = data;
                }
                if (sink != null) {
                    sink.accept(path, data);
                }
            }
        }
        checkComplete(archive.toString(), meta, seen, sums);
        return meta;
    }

    /** Verifies an installed slot on disk against its own signed {@code image.metadata.json}. */
    public ImageMetadata verifySlot(Path slotDir) throws ImageVerificationException, IOException {
        Path metaFile = slotDir.resolve(ImageInstaller.SLOT_METADATA);
        ImageMetadata meta = verifyMetadata(metaFile, defaultSignature(metaFile));
        SortedMap<String, String> seen = new TreeMap<>();
        byte[] sums = null;
        try (Stream<Path> s = Files.walk(slotDir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String path = slotDir.relativize(f).toString().replace('\\', '/');
                if (path.equals(ImageInstaller.SLOT_METADATA) || path.equals(ImageInstaller.SLOT_METADATA + ".sig")) {
                    continue;
                }
                String expected = meta.files().get(path);
                if (expected == null) {
                    throw new ImageVerificationException(f + ": not part of image " + meta.version());
                }
                String actual = Digests.of(f);
                if (!expected.equals(actual)) {
                    throw new ImageVerificationException(f + ": sha256 mismatch (expected " + expected + ", got " + actual + ")");
                }
                seen.put(path, actual);
                if (path.equals("SHA256SUMS")) {
                    sums = Files.readAllBytes(f);
                }
            }
        }
        checkComplete(slotDir.toString(), meta, seen, sums);
        return meta;
    }

    private static void checkComplete(String where, ImageMetadata meta, SortedMap<String, String> seen, byte[] sums)
            throws ImageVerificationException {
        for (String path : meta.files().keySet()) {
            if (!seen.containsKey(path)) {
                throw new ImageVerificationException(where + ": " + path + " is missing");
            }
        }
        SortedMap<String, String> others = new TreeMap<>(meta.files());
        others.remove("SHA256SUMS");
        if (sums == null || !new String(sums, StandardCharsets.UTF_8).equals(Digests.sums(others))) {
            throw new ImageVerificationException(where + ": SHA256SUMS does not match the signed metadata");
        }
    }

    private static byte[] read(Path file, String what) throws ImageVerificationException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImageVerificationException(file + ": cannot read the image " + what + " (" + e.getClass().getSimpleName()
                    + "); it must sit next to the archive or be given explicitly");
        }
    }

}
