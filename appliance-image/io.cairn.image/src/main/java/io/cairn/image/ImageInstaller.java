package io.cairn.image;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/** Verifies an image and writes it into a passive slot of a node home, atomically. */
public final class ImageInstaller {

    static final String SLOT_METADATA = "image.metadata.json";

    private final ImageVerifier verifier;
    private final PrintStream log;

    public ImageInstaller(ImageVerifier verifier, PrintStream log) {
        this.verifier = verifier;
        this.log = log;
    }

    public ImageMetadata install(Path archive, Path metadata, Path signature, Path home, String slot, boolean force)
            throws IOException, ImageVerificationException {
        if (!slot.equals("A") && !slot.equals("B")) {
            throw new ImageVerificationException("slot '" + slot + "' must be A or B");
        }
        Path boot = home.resolve("boot");
        String active = Files.isRegularFile(boot) ? Files.readString(boot, StandardCharsets.UTF_8).strip() : null;
        if (slot.equals(active)) {
            throw new ImageVerificationException(home + ": slot " + slot + " is the active slot (named in " + boot
                    + "); images are only written into the passive slot");
        }
        Path slots = home.resolve("slots");
        Path target = slots.resolve(slot);
        if (Files.exists(target) && !force) {
            throw new ImageVerificationException(target + " already holds an image; pass --force to replace it");
        }
        Files.createDirectories(slots);
        Path staging = slots.resolve("." + slot + ".staging-" + ProcessHandle.current().pid());
        deleteTree(staging);
        try {
            Files.createDirectories(staging);
            ImageMetadata meta = verifier.verifyArchive(archive, metadata, signature, (path, data) -> {
                Path f = staging.resolve(path).normalize();
                if (!f.startsWith(staging)) {
                    throw new IOException("entry " + path + " escapes the slot");
                }
                Files.createDirectories(f.getParent());
                Files.write(f, data);
            });
            Files.copy(metadata, staging.resolve(SLOT_METADATA));
            Files.copy(signature, staging.resolve(SLOT_METADATA + ".sig"));
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            if (active == null) {
                Path tmp = home.resolve("boot.tmp");
                Files.writeString(tmp, slot + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, boot, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            log.println("installed " + meta.name() + " " + meta.version() + " into " + target
                    + (active == null ? " and made slot " + slot + " active" : " (active slot stays " + active + ")"));
            return meta;
        } finally {
            deleteTree(staging);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
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
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
