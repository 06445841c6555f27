package io.cairn.foundation;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.hal.sim.internal.bmc.Daemons;
import io.cairn.image.ImageException;
import io.cairn.image.ImageInstaller;
import io.cairn.image.ImageVerifier;
import io.cairn.image.SignedMetadata;
import io.cairn.image.SigningKeys;

/**
 * A factory node brings itself to another image (spec 10 §6: "a node on a different AOS is brought to the cluster
 * version ... before joining"; {@code POST /foundation/v1/node/reimage {"archive": FILE}}, FILE an image in the
 * node's installer store): the image is verified with the node's trusted keys ({@code cairn.foundation.trust}) and
 * installed into the passive slot (io.cairn.image's {@link ImageInstaller}: signature and archive digest before
 * anything is written, every file against the signed list while it is staged, the slot replaced only when all
 * verified), the passive slot becomes the active one, and the node restarts into it. A refused image changes
 * nothing: the active slot, {@code boot} and the running controller stay as they were. A configured node (a cluster
 * member) is refused: it is upgraded, not re-imaged.
 */
final class SelfReimage {

    /** Restarts the node into the slot {@code boot} names; {@link #prepare} fails before anything is changed. */
    interface Restart {
        Runnable prepare(Path home, String slot) throws IOException;
    }

    /** The request was refused; the node is unchanged. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    private static final Pattern ARCHIVE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.tar\\.gz");

    private final Path home;
    private final Path store;
    private final Path trust;
    private final Restart restart;

    SelfReimage(Path home, Path store, Path trust, Restart restart) {
        this.home = home;
        this.store = store;
        this.trust = trust;
        this.restart = restart;
    }

    /** Verifies and installs {@code archive} (a file of the store) into the passive slot, activates it and restarts. */
    synchronized ObjectNode run(String archive) {
        if (archive == null || !ARCHIVE.matcher(archive).matches() || archive.contains("..")) {
            throw new Refused("'" + archive + "' is not an image archive of the installer store (NAME.tar.gz; upload it with "
                    + "PUT /foundation/v1/images/NAME.tar.gz, .metadata.json and .metadata.json.sig)");
        }
        java.util.Optional<String> cluster = FactoryOnly.cluster(home);
        if (cluster.isPresent()) {
            throw new Refused("this node is a member of cluster " + cluster.get() + "; only a factory-state node is re-imaged");
        }
        Path file = store.resolve(archive);
        if (!Files.isRegularFile(file)) {
            throw new Refused(file + " is not in the installer store; upload it first");
        }
        String active;
        try {
            active = ImageInstaller.activeSlot(home);
        } catch (ImageException e) {
            throw new Refused(e.getMessage());
        }
        if (active == null) {
            throw new Refused(home + " has no active slot (no boot file): image it with foundation image");
        }
        String passive = active.equals("A") ? "B" : "A";
        Runnable restartNow;
        try {
            restartNow = restart.prepare(home, passive);
        } catch (IOException e) {
            throw new Refused("this node cannot restart itself (" + e.getMessage() + "); nothing was changed");
        }
        SignedMetadata installed;
        try {
            Path meta = ImageVerifier.defaultMetadata(file);
            ImageInstaller installer = new ImageInstaller(new ImageVerifier(SigningKeys.trusted(trust)), logStream());
            installed = installer.install(file, meta, ImageVerifier.defaultSignature(meta), home, passive, true);
            ImageInstaller.activate(home, passive);
        } catch (ImageException e) {
            throw new Refused("image " + archive + " refused: " + e.getMessage() + "; the node is unchanged (slot " + active
                    + " stays active)");
        } catch (IOException e) {
            throw new Refused("installing " + archive + " into slot " + passive + " failed: " + e.getMessage()
                    + "; slot " + active + " stays active");
        }
        NodeFoundation.log("re-imaged: " + installed.metadata().topFolder() + " installed into slot " + passive
                + " (was running slot " + active + "); restarting into it");
        Thread.ofVirtual().name("foundation-restart").start(() -> {
            try {
                Thread.sleep(500); // the answer goes out first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            restartNow.run();
        });
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("version", installed.metadata().version());
        out.put("slot", passive);
        out.put("previous_slot", active);
        out.put("restarting", true);
        return out;
    }

    private static PrintStream logStream() {
        return new PrintStream(new java.io.OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(int b) {
                if (b == '\n') {
                    NodeFoundation.log(line.toString());
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        }, true);
    }

    /**
     * The restart of a controller started by {@code cairn node start} (this machine's stand-in for a reboot): a
     * process of its own session waits until this JVM has ended, then starts the same command line with the launcher
     * of the new active slot, its output appended to {@code logs/controller.log}; this JVM then exits (the launcher's
     * shutdown hook stops the framework cleanly). The process is started through hal.sim's {@link Daemons} (process
     * execution stays in the HAL). Refused when this JVM was not started with
     * {@code -jar HOME/slots/X/launcher/cairn-launcher.jar}.
     */
    static Runnable relaunch(Path home, String slot) throws IOException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        String command = info.command().orElseThrow(() -> new IOException("the JVM's command is unknown"));
        List<String> args = new ArrayList<>(List.of(info.arguments().orElseThrow(() -> new IOException("the JVM's arguments are unknown"))));
        int jar = args.indexOf("-jar");
        if (jar < 0 || jar + 1 >= args.size() || !args.get(jar + 1).endsWith("launcher/cairn-launcher.jar")) {
            throw new IOException("it was not started with -jar HOME/slots/X/launcher/cairn-launcher.jar");
        }
        Path launcher = home.toAbsolutePath().resolve("slots").resolve(slot).resolve("launcher/cairn-launcher.jar");
        args.set(jar + 1, launcher.toString());
        long pid = ProcessHandle.current().pid();
        Path root = home.toAbsolutePath();
        String script = "while kill -0 " + pid + " 2>/dev/null; do sleep 0.2; done; rm -rf \"$0/run/tmp\"; mkdir -p \"$0/run/tmp\"; "
                + "exec \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("setsid", "sh", "-c", script, root.toString(), command));
        cmd.addAll(args);
        return () -> {
            try {
                // process execution stays in the HAL (LayeringTest): hal.sim's Daemons, as for the BMC simulators
                Daemons.start(cmd, root, root.resolve("logs/controller.log"));
            } catch (IOException e) {
                NodeFoundation.log("restart failed: " + e.getMessage() + "; start the node again with cairn node start --home " + root);
            }
            System.exit(0);
        };
    }
}
