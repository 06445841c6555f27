package io.cairn.image;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * Verifies an image and installs it into a slot of a node home ({@code HOME/slots/A|B}), never into
 * the active slot named by {@code HOME/boot}. Files are extracted into a staging folder next to the
 * slot and renamed into place only after the whole image verified, so a failed install leaves the
 * slot as it was. The slot keeps the verified metadata and signature as {@code image.metadata.json}
 * and {@code image.metadata.json.sig} so it can be re-verified on disk. A home without {@code boot}
 * gets one naming the installed slot.
 */
public final class ImageInstaller {

    public static final String SLOT_METADATA = "image.metadata.json";
    public static final List<String> SLOTS = List.of("A", "B");
    /**
     * The node's installer store (spec 10 §5), relative to its home: every install keeps the archive, metadata and
     * signature it installed there, so a cluster member can hand its running image to a node that joins on another
     * version (io.cairn.cli's {@code add-node}); Foundation in a node serves it as {@code cairn.foundation.store}.
     */
    public static final String STORE = "data/foundation/store";
    /**
     * The node's trusted image keys, relative to its home (Foundation's {@code cairn.foundation.trust}: a node re-imaging
     * itself checks an image against them). An install into a node whose folder holds no key yet puts the key that
     * verified this image there ({@code <key id>.pub}): the node trusts, from its first install on, the key its own image
     * was signed with. A folder that holds keys is left as it is (the operator's choice).
     */
    public static final String TRUST = "data/foundation/trust";

    private final ImageVerifier verifier;
    private final PrintStream log;

    public ImageInstaller(ImageVerifier verifier, PrintStream log) {
        this.verifier = verifier;
        this.log = log;
    }

    /** The active slot letter from {@code HOME/boot}, or null if there is no boot file yet. */
    public static String activeSlot(Path home) throws ImageException {
        Path boot = home.resolve("boot");
        if (!Files.exists(boot)) {
            return null;
        }
        String active;
        try {
            active = Files.readString(boot, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ImageException(boot + ": cannot read the active slot (" + e + ")", e);
        }
        if (!SLOTS.contains(active)) {
            throw new ImageException(boot + ": names slot '" + active + "' but must hold A or B; fix it before installing");
        }
        return active;
    }

    public SignedMetadata install(Path archive, Path metadata, Path signature, Path home, String slot, boolean force)
            throws ImageException, IOException {
        if (!SLOTS.contains(slot)) {
            throw new ImageException("slot '" + slot + "' must be A or B");
        }
        String active = activeSlot(home);
        Path boot = home.resolve("boot");
        if (slot.equals(active)) {
            throw new ImageException(home.resolve("slots").resolve(slot) + ": slot " + slot + " is the active slot (named in "
                    + boot + "); install into the passive slot " + (slot.equals("A") ? "B" : "A") + " instead");
        }
        Path slots = home.resolve("slots");
        Path target = slots.resolve(slot);
        if (Files.exists(target) && !force) {
            throw new ImageException(target + ": slot " + slot + " already holds an image; pass --force to replace it");
        }
        // signature and outer checksum before anything is written
        if (!Files.isRegularFile(archive)) {
            throw new ImageVerificationException(archive + ": image archive not found");
        }
        SignedMetadata signed = verifier.verifyMetadata(metadata, signature);
        ImageMetadata meta = signed.metadata();
        verifier.checkArchiveDigest(archive, meta);

        Files.createDirectories(slots);
        removeLeftovers(slots, slot);
        long pid = ProcessHandle.current().pid();
        Path staging = slots.resolve("." + slot + ".staging-" + pid);
        Path old = slots.resolve("." + slot + ".old-" + pid);
        try {
            Files.createDirectory(staging);
            verifier.checkEntries(archive, meta, (path, data) -> {
                Path f = staging.resolve(path).normalize();
                if (!f.startsWith(staging) || f.equals(staging)) {
                    throw new IOException("entry " + path + " escapes the slot");
                }
                Files.createDirectories(f.getParent());
                Files.write(f, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            });
            Files.write(staging.resolve(SLOT_METADATA), signed.json(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.write(staging.resolve(SLOT_METADATA + ".sig"), signed.signature(), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            keepInStore(home.resolve(STORE), archive, metadata, signature, meta);
            seedTrust(home.resolve(TRUST), signed.signerKeyId());
            boolean replaced = Files.exists(target);
            if (replaced) {
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            log.println("installed " + meta.topFolder() + " (" + meta.files().size() + " files, signed by key "
                    + signed.signerKeyId() + ") into " + target + (replaced ? ", replacing the image it held" : ""));
            if (active == null) {
                writeAtomically(boot, slot + "\n");
                log.println("wrote " + boot + ": slot " + slot + " is the active slot");
            } else {
                log.println("the active slot stays " + active + " (" + boot + " unchanged)");
            }
            return signed;
        } finally {
            deleteTree(staging);
            deleteTree(old);
        }
    }

    /** See {@link #TRUST}: writes the signer's public key when the folder holds no {@code .pub} file yet. */
    void seedTrust(Path trust, String keyId) throws IOException {
        Files.createDirectories(trust);
        try (var files = Files.list(trust)) {
            if (files.anyMatch(f -> f.getFileName().toString().endsWith(".pub"))) {
                return;
            }
        }
        java.util.Optional<SigningKeys.Trusted> key = verifier.trustedKey(keyId);
        if (key.isPresent()) {
            writeAtomically(trust.resolve(keyId + ".pub"), SigningKeys.pem(key.get().key()));
            log.println("the node trusts image key " + keyId + " (" + trust.resolve(keyId + ".pub") + ")");
        }
    }

    /**
     * Copies the installed image into the node's installer store as {@code <name>-<version>.tar.gz},
     * {@code .metadata.json} and {@code .metadata.json.sig} (temporary file, then an atomic rename); a file that is
     * already the one installed from (the store itself) is left alone.
     */
    static void keepInStore(Path store, Path archive, Path metadata, Path signature, ImageMetadata meta) throws IOException {
        Files.createDirectories(store);
        String base = meta.topFolder();
        keep(archive, store.resolve(base + ".tar.gz"));
        keep(metadata, store.resolve(base + ".metadata.json"));
        keep(signature, store.resolve(base + ".metadata.json.sig"));
    }

    private static void keep(Path from, Path to) throws IOException {
        if (Files.exists(to) && Files.isSameFile(from, to)) {
            return;
        }
        Path tmp = to.resolveSibling("." + to.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Makes {@code slot} the active one ({@code HOME/boot}, atomically): the node boots it next. The slot must hold an
     * installed image ({@link #SLOT_METADATA}).
     */
    public static void activate(Path home, String slot) throws ImageException, IOException {
        if (!SLOTS.contains(slot)) {
            throw new ImageException("slot '" + slot + "' must be A or B");
        }
        if (!Files.isRegularFile(home.resolve("slots").resolve(slot).resolve(SLOT_METADATA))) {
            throw new ImageException(home.resolve("slots").resolve(slot) + ": slot " + slot + " holds no installed image");
        }
        writeAtomically(home.resolve("boot"), slot + "\n");
    }

    /** Writes a small file via a temp file, fsync and an atomic rename. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.UTF_8.encode(content));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Staging and old folders of this slot that a killed install left behind. */
    private static void removeLeftovers(Path slots, String slot) throws IOException {
        try (Stream<Path> s = Files.list(slots)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("." + slot + ".staging-") || n.startsWith("." + slot + ".old-")) {
                    deleteTree(p);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
