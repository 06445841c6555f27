package io.cairn.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks an image before anything is trusted, in this order: the Ed25519 signature over the
 * metadata file, the archive's size and SHA-256 against the metadata, then every entry inside the
 * archive against the signed per-file checksums and {@code SHA256SUMS} (extra and missing entries
 * fail too). The first failure stops the check with an {@link ImageVerificationException} whose
 * message names the file.
 */
public final class ImageVerifier {

    /** What to do with each verified file of an archive (path relative to the image's top folder). */
    @FunctionalInterface
    public interface EntrySink {
        void accept(String path, byte[] data) throws IOException;
    }

    private final List<SigningKeys.Trusted> trusted;

    public ImageVerifier(List<SigningKeys.Trusted> trusted) {
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted key is needed");
        }
        this.trusted = List.copyOf(trusted);
    }

    /** The trusted key with this id, if this verifier holds it. */
    public java.util.Optional<SigningKeys.Trusted> trustedKey(String keyId) {
        return trusted.stream().filter(t -> t.keyId().equals(keyId)).findFirst();
    }

    /** {@code x.tar.gz} → {@code x.metadata.json} beside it. */
    public static Path defaultMetadata(Path archive) {
        String name = archive.getFileName().toString();
        String base = name.endsWith(".tar.gz") ? name.substring(0, name.length() - ".tar.gz".length()) : name;
        return archive.resolveSibling(base + ".metadata.json");
    }

    /** {@code x.metadata.json} → {@code x.metadata.json.sig} beside it. */
    public static Path defaultSignature(Path metadata) {
        return metadata.resolveSibling(metadata.getFileName() + ".sig");
    }

    /** Verifies the signature over the metadata file with the trusted keys, then parses it. */
    public SignedMetadata verifyMetadata(Path metadata, Path signature) throws ImageVerificationException {
        byte[] json = read(metadata, "image metadata", "--metadata");
        byte[] sigText = read(signature, "metadata signature", "--sig");
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(new String(sigText, StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            throw new ImageVerificationException(signature + ": not a base64 Ed25519 signature");
        }
        SigningKeys.Trusted signer = trusted.stream().filter(t -> SigningKeys.verify(t.key(), json, sig)).findFirst()
                .orElseThrow(() -> new ImageVerificationException(metadata + ": signature does not verify with any trusted key ("
                        + trusted.stream().map(SigningKeys.Trusted::keyId).collect(Collectors.joining(", "))
                        + "); the metadata or " + signature.getFileName() + " was modified, or an untrusted key signed it"));
        ImageMetadata meta = ImageMetadata.parse(json, metadata.toString());
        if (!meta.keyId().equals(signer.keyId())) {
            throw new ImageVerificationException(metadata + ": key_id " + meta.keyId() + " is not the key that signed it ("
                    + signer.keyId() + ")");
        }
        return new SignedMetadata(meta, json, sigText, signer.keyId());
    }

    /** Verifies archive, metadata and signature completely; returns the verified metadata. */
    public ImageMetadata verifyArchive(Path archive, Path metadata, Path signature, EntrySink sink)
            throws ImageVerificationException, IOException {
        return verifyImage(archive, metadata, signature, sink).metadata();
    }

    /**
     * Verifies archive, metadata and signature completely. Every verified file is handed to
     * {@code sink} (may be null) as it is read; a later failure still throws, so a sink must stage
     * what it writes and only commit it once this method returns.
     */
    public SignedMetadata verifyImage(Path archive, Path metadata, Path signature, EntrySink sink)
            throws ImageVerificationException, IOException {
        if (!Files.isRegularFile(archive)) {
            throw new ImageVerificationException(archive + ": image archive not found");
        }
        SignedMetadata signed = verifyMetadata(metadata, signature);
        checkArchiveDigest(archive, signed.metadata());
        checkEntries(archive, signed.metadata(), sink);
        return signed;
    }

    /** The archive's size and SHA-256 must be the ones in the (verified) metadata. */
    public void checkArchiveDigest(Path archive, ImageMetadata meta) throws ImageVerificationException {
        long size;
        String sha;
        try {
            size = Files.size(archive);
            sha = Digests.of(archive);
        } catch (IOException e) {
            throw new ImageVerificationException(archive + ": cannot read the image archive (" + e + ")");
        }
        if (size != meta.size()) {
            throw new ImageVerificationException(archive + ": size mismatch (expected " + meta.size() + " bytes, got " + size
                    + "): the archive was modified or truncated");
        }
        if (!sha.equals(meta.sha256())) {
            throw new ImageVerificationException(archive + ": sha256 mismatch (expected " + meta.sha256() + ", got " + sha
                    + "): the archive was modified or truncated");
        }
    }

    /**
     * Every entry of the archive against the metadata's {@code files} and {@code SHA256SUMS}.
     *
     * @throws IOException only when {@code sink} fails
     */
    public void checkEntries(Path archive, ImageMetadata meta, EntrySink sink) throws ImageVerificationException, IOException {
        String top = meta.topFolder();
        Set<String> dirs = expectedDirectories(meta);
        SortedMap<String, String> seen = new TreeMap<>();
        Set<String> seenDirs = new HashSet<>();
        byte[] sums = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                String name = e.getName();
                String path = name.equals(top) || name.equals(top + "/") ? ""
                        : name.startsWith(top + "/") ? stripSlash(name.substring(top.length() + 1)) : null;
                if (path == null || !(path.isEmpty() || ImageMetadata.isSafeRelativePath(path))) {
                    throw new ImageVerificationException(archive + ": entry '" + name + "' lies outside " + top + "/");
                }
                if (e.isDirectory()) {
                    if (!dirs.contains(path)) {
                        throw new ImageVerificationException(archive + ": " + path + "/: a directory the signed metadata does not list");
                    }
                    seenDirs.add(path);
                    continue;
                }
                if (!e.isFile() || e.isLink() || e.isSymbolicLink()) {
                    throw new ImageVerificationException(archive + ": " + path + ": not a regular file");
                }
                String expected = meta.files().get(path);
                if (expected == null) {
                    throw new ImageVerificationException(archive + ": " + path + ": not listed in the signed metadata");
                }
                if (seen.containsKey(path)) {
                    throw new ImageVerificationException(archive + ": " + path + ": appears twice in the archive");
                }
                byte[] data = tar.readAllBytes();
                String actual = Digests.ofBytes(data);
                if (!expected.equals(actual)) {
                    throw new ImageVerificationException(archive + ": " + path + ": sha256 mismatch (expected " + expected
                            + ", got " + actual + "): the file inside the image was modified");
                }
                seen.put(path, actual);
                if (path.equals(Digests.SUMS_FILE)) {
                    sums = data;
                }
                if (sink != null) {
                    try {
                        sink.accept(path, data);
                    } catch (IOException failed) {
                        throw new SinkFailure(failed);
                    }
                }
            }
        } catch (SinkFailure e) {
            throw e.getCause();
        } catch (IOException e) {
            throw new ImageVerificationException(archive + ": not a readable .tar.gz image (" + e + ")");
        }
        checkComplete(archive.toString(), meta, seen.keySet(), sums);
    }

    /** Verifies an installed slot on disk against its own signed {@code image.metadata.json}. */
    public ImageMetadata verifySlot(Path slotDir) throws ImageVerificationException {
        Path metaFile = slotDir.resolve(ImageInstaller.SLOT_METADATA);
        if (!Files.isDirectory(slotDir) || !Files.isRegularFile(metaFile)) {
            throw new ImageVerificationException(slotDir + ": no image installed here (" + metaFile.getFileName()
                    + " missing); install one with 'install --slot " + slotDir.getFileName() + "'");
        }
        ImageMetadata meta = verifyMetadata(metaFile, defaultSignature(metaFile)).metadata();
        Set<String> seen = new HashSet<>();
        byte[] sums = null;
        try (Stream<Path> s = Files.walk(slotDir)) {
            for (Path f : s.sorted().toList()) {
                String path = slotDir.relativize(f).toString().replace('\\', '/');
                if (path.isEmpty() || path.equals(ImageInstaller.SLOT_METADATA)
                        || path.equals(ImageInstaller.SLOT_METADATA + ".sig")) {
                    continue;
                }
                if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ImageVerificationException(f + ": not a regular file (a link or special file in the slot)");
                }
                String expected = meta.files().get(path);
                if (expected == null) {
                    throw new ImageVerificationException(f + ": not part of image " + meta.topFolder());
                }
                String actual = Digests.of(f);
                if (!expected.equals(actual)) {
                    throw new ImageVerificationException(f + ": sha256 mismatch (expected " + expected + ", got " + actual
                            + "): the installed file was modified");
                }
                seen.add(path);
                if (path.equals(Digests.SUMS_FILE)) {
                    sums = Files.readAllBytes(f);
                }
            }
        } catch (IOException e) {
            throw new ImageVerificationException(slotDir + ": cannot read the slot (" + e + ")");
        }
        for (String path : meta.files().keySet()) {
            if (!seen.contains(path)) {
                throw new ImageVerificationException(slotDir.resolve(path) + ": missing from the installed image");
            }
        }
        checkComplete(slotDir.toString(), meta, seen, sums);
        return meta;
    }

    /** Every listed file was seen, and SHA256SUMS says exactly what the signed metadata says. */
    private static void checkComplete(String where, ImageMetadata meta, Set<String> seen, byte[] sums)
            throws ImageVerificationException {
        for (String path : meta.files().keySet()) {
            if (!seen.contains(path)) {
                throw new ImageVerificationException(where + ": " + path + ": missing from the image");
            }
        }
        if (sums == null) {
            throw new ImageVerificationException(where + ": " + Digests.SUMS_FILE + ": missing from the image");
        }
        SortedMap<String, String> expected = new TreeMap<>(meta.files());
        expected.remove(Digests.SUMS_FILE);
        String text = new String(sums, StandardCharsets.UTF_8);
        SortedMap<String, String> listed = Digests.parseSums(text);
        for (String path : expected.keySet()) {
            if (!expected.get(path).equals(listed.get(path))) {
                throw new ImageVerificationException(where + ": " + path + ": " + Digests.SUMS_FILE + " says "
                        + listed.getOrDefault(path, "nothing") + " but the signed metadata says " + expected.get(path));
            }
        }
        for (String path : listed.keySet()) {
            if (!expected.containsKey(path)) {
                throw new ImageVerificationException(where + ": " + path + ": listed in " + Digests.SUMS_FILE
                        + " but not in the signed metadata");
            }
        }
        if (!text.equals(Digests.sums(expected))) {
            throw new ImageVerificationException(where + ": " + Digests.SUMS_FILE + ": not in the canonical '<sha256>  <path>' form");
        }
    }

    /** The top folder ("") and every parent folder of a listed file. */
    private static Set<String> expectedDirectories(ImageMetadata meta) {
        Set<String> dirs = new HashSet<>();
        dirs.add("");
        for (String path : meta.files().keySet()) {
            for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
                dirs.add(path.substring(0, i));
            }
        }
        return dirs;
    }

    /** Carries a sink's own I/O error past the archive-reading error handling. */
    private static final class SinkFailure extends IOException {
        private static final long serialVersionUID = 1L;

        SinkFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static byte[] read(Path file, String what, String option) throws ImageVerificationException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageVerificationException(file + ": " + what + " not found; it is written next to the archive by"
                    + " 'assemble' (or pass " + option + " FILE)");
        } catch (IOException e) {
            throw new ImageVerificationException(file + ": cannot read the " + what + " (" + e + ")");
        }
    }
}
