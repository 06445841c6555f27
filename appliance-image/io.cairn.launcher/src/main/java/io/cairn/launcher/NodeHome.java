package io.cairn.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The layout of a node home (ARCHITECTURE §6): {@code boot} names the active slot,
 * {@code slots/A|B} hold immutable images, {@code data/}, {@code logs/} and {@code run/} are the
 * node's own.
 */
record NodeHome(Path root, String slot, Path slotDir) {

    static NodeHome open(Path root) throws LaunchException {
        if (!Files.isDirectory(root)) {
            throw new LaunchException(LaunchException.USAGE, "node home " + root
                    + " does not exist; install an image first with: bin/cairn node start --home " + root + " --ip <address>");
        }
        Path boot = root.resolve("boot");
        if (!Files.isRegularFile(boot)) {
            throw new LaunchException(LaunchException.USAGE, root + " has no boot pointer (" + boot
                    + "); install an image into a slot first (bin/cairn image install)");
        }
        String slot;
        try {
            slot = Files.readString(boot, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new LaunchException(LaunchException.USAGE, "cannot read " + boot + ": " + e.getMessage());
        }
        if (!slot.equals("A") && !slot.equals("B")) {
            throw new LaunchException(LaunchException.USAGE, boot + " names slot '" + slot + "'; it must be A or B");
        }
        Path slotDir = root.resolve("slots").resolve(slot);
        for (String required : List.of("version", "bundles.list", "config/framework.properties", "framework/felix.jar")) {
            if (!Files.isRegularFile(slotDir.resolve(required))) {
                throw new LaunchException(LaunchException.USAGE, "slot " + slot + " at " + slotDir + " is incomplete: "
                        + required + " is missing; reinstall the image into that slot");
            }
        }
        return new NodeHome(root, slot, slotDir);
    }

    Path run() {
        return root.resolve("run");
    }

    Path logs() {
        return root.resolve("logs");
    }

    Path data() {
        return root.resolve("data");
    }

    Path frameworkCache() {
        return data().resolve("felix-cache");
    }

    String version() throws IOException {
        return Files.readString(slotDir.resolve("version"), StandardCharsets.UTF_8).trim();
    }

    /** Bundle jars in start order, as listed by the image. */
    List<Path> bundles() throws LaunchException, IOException {
        List<Path> out = new ArrayList<>();
        for (String line : Files.readAllLines(slotDir.resolve("bundles.list"), StandardCharsets.UTF_8)) {
            String entry = line.strip();
            if (entry.isEmpty() || entry.startsWith("#")) {
                continue;
            }
            Path jar = slotDir.resolve(entry).normalize();
            if (!jar.startsWith(slotDir) || !Files.isRegularFile(jar)) {
                throw new LaunchException(LaunchException.USAGE, "bundles.list of slot " + slot + " names " + entry
                        + ", which is not a file in the slot; reinstall the image");
            }
            out.add(jar);
        }
        return out;
    }

    Properties frameworkProperties() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(slotDir.resolve("config/framework.properties"), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }
}
