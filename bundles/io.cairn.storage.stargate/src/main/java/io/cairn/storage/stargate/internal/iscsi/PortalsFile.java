package io.cairn.storage.stargate.internal.iscsi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The Stargate portals of the cluster as the host's iSCSI redirector reads them:
 * {@code <home>/run/stargate-portals}, written by this node's Stargate from the cluster membership
 * and left in place when the controller stops or dies, so the redirector (its own process, spec 40
 * §7) keeps the last known list. Plain text, one entry per line, {@code #} comments:
 *
 * <pre>
 * local 127.0.1.1:3261
 * remote 127.0.1.2:3261
 * remote 127.0.1.3:3261
 * </pre>
 *
 * Written to a temporary file and renamed, so a reader never sees half a list. The reader is
 * {@code io.cairn.iscsi}'s redirector agent ({@code RedirectorAgent}).
 */
final class PortalsFile {

    /** Relative to the node home. */
    static final String PATH = "run/stargate-portals";

    private PortalsFile() {
    }

    /** The file's text: the local portal, then every other member's portal in sorted order. */
    static String render(String local, Collection<String> members) {
        Objects.requireNonNull(local, "local");
        StringBuilder out = new StringBuilder();
        out.append("# Stargate iSCSI portals of this cluster, written by this node's Stargate for the host's iSCSI redirector\n");
        out.append("local ").append(local).append('\n');
        for (String m : new TreeSet<>(members)) {
            if (!m.equals(local)) {
                out.append("remote ").append(m).append('\n');
            }
        }
        return out.toString();
    }

    /** Replaces {@code file} with {@code text} atomically (parent directories are created). */
    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The {@code remote} entries of a text (tests). */
    static List<String> remotes(String text) {
        return text.lines().filter(l -> l.startsWith("remote ")).map(l -> l.substring("remote ".length()).trim()).toList();
    }
}
