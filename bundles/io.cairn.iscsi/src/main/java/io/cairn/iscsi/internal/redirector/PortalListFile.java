package io.cairn.iscsi.internal.redirector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The cluster's Stargate portals as the node's Stargate writes them for the redirector agent:
 * {@code <home>/run/stargate-portals}, lines {@code local <ip>:<port>} and {@code remote <ip>:<port>},
 * {@code #} comments (written by {@code io.cairn.storage.stargate}'s {@code PortalsFile}, renamed into
 * place). The file outlives the controller, so a redirector whose controller is dead still knows
 * where the other Stargates are.
 *
 * <p>As the redirector's remote-portal {@link Supplier}: the file is parsed again only when its
 * modification time or size changed; a missing or unreadable file throws, and the redirector then
 * keeps the last list it had.
 */
public final class PortalListFile implements Supplier<List<InetSocketAddress>> {

    /** What one version of the file says. */
    public record Portals(Optional<InetSocketAddress> local, List<InetSocketAddress> remotes) {
        public Portals {
            Objects.requireNonNull(local, "local");
            remotes = List.copyOf(remotes);
        }
    }

    private final Path file;
    private FileTime seenTime;
    private long seenSize = -1;
    private Portals seen;

    public PortalListFile(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    /** The remote portals now (re-read when the file changed); throws when the file cannot be read. */
    @Override
    public synchronized List<InetSocketAddress> get() {
        return read().remotes();
    }

    /** The whole file now, re-read when it changed. */
    public synchronized Portals read() {
        try {
            FileTime time = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (seen == null || !time.equals(seenTime) || size != seenSize) {
                seen = parse(Files.readString(file, StandardCharsets.UTF_8));
                seenTime = time;
                seenSize = size;
            }
            return seen;
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no Stargate portal list " + file + " yet (the node's Stargate writes it once the node "
                    + "is in a cluster)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Stargate portal list " + file + ": " + e, e);
        }
    }

    /** Parses the file's text; a malformed line throws {@link IllegalArgumentException} naming it. */
    public static Portals parse(String text) {
        InetSocketAddress local = null;
        List<InetSocketAddress> remotes = new ArrayList<>();
        int n = 0;
        for (String raw : text.split("\n", -1)) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+");
            if (words.length != 2 || !(words[0].equals("local") || words[0].equals("remote"))) {
                throw new IllegalArgumentException("line " + n + " of the Stargate portal list is '" + line
                        + "'; expected 'local <ip>:<port>' or 'remote <ip>:<port>'");
            }
            InetSocketAddress a = address(words[1], -1);
            if (words[0].equals("local")) {
                local = a;
            } else {
                remotes.add(a);
            }
        }
        return new Portals(Optional.ofNullable(local), remotes);
    }

    /** {@code ip:port} or {@code [ip6]:port} (or just {@code ip} with {@code defaultPort} ≥ 0) as a resolved address. */
    public static InetSocketAddress address(String hostPort, int defaultPort) {
        String host = hostPort;
        int port = defaultPort;
        int colon = hostPort.lastIndexOf(':');
        boolean bracketed = hostPort.startsWith("[");
        if (colon > 0 && (!bracketed || colon > hostPort.indexOf(']')) && (bracketed || hostPort.indexOf(':') == colon)) {
            host = hostPort.substring(0, colon);
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (bracketed && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + hostPort + "' is not an address; expected <ip>:<port>, e.g. 127.0.0.1:3261");
        }
        return new InetSocketAddress(host, port);
    }
}
