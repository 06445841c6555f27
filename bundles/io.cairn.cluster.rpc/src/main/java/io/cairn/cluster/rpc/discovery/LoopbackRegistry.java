package io.cairn.cluster.rpc.discovery;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Discovery for nodes that share one machine (loopback mode, where there is no link to multicast on):
 * a directory where each factory node keeps {@code <node-uuid>.json}, a {@link NodeAdvert} as JSON
 * plus {@code "refreshed"} (epoch milliseconds). A node {@linkplain #publish publishes} every
 * {@link #REFRESH} (written to a temporary file and renamed, so readers never see half a file) and
 * {@linkplain #remove removes} its entry when it joins a cluster or stops cleanly. {@link #list()}
 * ignores entries older than {@link #STALE_AFTER} (a killed node), files that are not adverts, and
 * nodes not in factory state. Default directory: {@link #DEFAULT_DIR}.
 */
public final class LoopbackRegistry {

    /**
     * {@code /tmp/cairn-discovery}: one directory for the whole machine (not {@code java.io.tmpdir}, which a
     * controller points into its own home).
     */
    public static final Path DEFAULT_DIR = Path.of("/tmp", "cairn-discovery");
    public static final Duration REFRESH = Duration.ofSeconds(5);
    public static final Duration STALE_AFTER = Duration.ofSeconds(15);
    private final Path dir;
    private final InstantSource clock;
    private final Duration staleAfter;

    public LoopbackRegistry(Path dir, InstantSource clock) {
        this(dir, clock, STALE_AFTER);
    }

    public LoopbackRegistry(Path dir, InstantSource clock, Duration staleAfter) {
        this.dir = dir;
        this.clock = clock;
        this.staleAfter = staleAfter;
    }

    public Path dir() {
        return dir;
    }

    /** Writes (or refreshes) the node's entry atomically. */
    public void publish(NodeAdvert advert) throws IOException {
        UUID.fromString(advert.uuid()); // the file name comes from it: refuse anything else
        Files.createDirectories(dir);
        ObjectNode n = DiscoveryProtocol.MAPPER.valueToTree(advert);
        n.put("refreshed", clock.millis());
        Path file = entry(advert.uuid());
        Path tmp = dir.resolve("." + advert.uuid() + ".json." + ProcessHandle.current().pid() + ".tmp");
        Files.write(tmp, DiscoveryProtocol.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Removes the node's entry (no error when there is none). */
    public void remove(String uuid) throws IOException {
        UUID.fromString(uuid);
        Files.deleteIfExists(entry(uuid));
    }

    private Path entry(String uuid) {
        return dir.resolve(uuid + ".json");
    }

    /** The fresh factory-state adverts in the directory, by UUID; empty if the directory does not exist. */
    public List<NodeAdvert> list() throws IOException {
        List<NodeAdvert> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        long now = clock.millis();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                try {
                    JsonNode n = DiscoveryProtocol.MAPPER.readTree(Files.readAllBytes(f));
                    if (n == null || !n.isObject() || !n.path("refreshed").canConvertToLong()) {
                        continue;
                    }
                    long age = now - n.get("refreshed").asLong();
                    if (age > staleAfter.toMillis() || age < -staleAfter.toMillis()) {
                        continue;
                    }
                    ((ObjectNode) n).remove("refreshed");
                    NodeAdvert a = DiscoveryProtocol.MAPPER.treeToValue(n, NodeAdvert.class);
                    if (a != null && a.factory() && f.getFileName().toString().equals(a.uuid() + ".json")) {
                        out.add(a);
                    }
                } catch (NoSuchFileException e) {
                    // removed while listing
                } catch (IOException | RuntimeException e) {
                    // not an advert: ignored
                }
            }
        }
        out.sort(Comparator.comparing(NodeAdvert::uuid));
        return out;
    }
}
