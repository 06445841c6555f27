package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;

/**
 * This controller's identity: a UUID made at first boot and kept in {@code data/identity/node.json}
 * with its block and rack (a factory node is its own block in rack {@code rack-1}; cluster creation
 * may place it elsewhere), the address it was started with and the software version it runs.
 */
@Component(service = {LocalNode.class, LocalNodeImpl.class}, immediate = true)
public final class LocalNodeImpl implements LocalNode {

    private final Logger logger = LoggerFactory.getLogger(LocalNodeImpl.class);
    private final Path home;
    private final String address;
    private final String version;
    private volatile NodeIdentity identity;

    @Activate
    public LocalNodeImpl(BundleContext context) throws IOException {
        String h = context.getProperty("cairn.home");
        String ip = context.getProperty("cairn.node.ip");
        if (h == null || ip == null) {
            throw new IllegalStateException("framework properties cairn.home and cairn.node.ip are required; start the node with "
                    + "cairn node start --home DIR --ip ADDR");
        }
        this.home = Path.of(h);
        this.address = ip;
        String v = context.getProperty("cairn.version");
        this.version = v == null ? "unknown" : v;
        Path file = identityFile();
        if (Files.exists(file)) {
            var n = Codec.MAPPER.readTree(file.toFile());
            identity = new NodeIdentity(UUID.fromString(n.get("uuid").asText()), address,
                    new FaultDomain(n.get("rack").asText(), n.get("block").asText(), n.get("uuid").asText()), version);
        } else {
            UUID uuid = UUID.randomUUID();
            identity = new NodeIdentity(uuid, address, new FaultDomain("rack-1", "block-" + uuid.toString().substring(0, 8),
                    uuid.toString()), version);
            store(identity);
            logger.info("New node identity {} at {}", uuid, address);
        }
    }

    @Override
    public NodeIdentity identity() {
        return identity;
    }

    @Override
    public Path home() {
        return home;
    }

    /** Adopts the block and rack the cluster configuration gives this node. */
    void place(FaultDomain domain) {
        NodeIdentity placed = new NodeIdentity(identity.uuid(), address, new FaultDomain(domain.rack(), domain.block(),
                identity.uuid().toString()), version);
        if (!placed.equals(identity)) {
            store(placed);
            identity = placed;
        }
    }

    private Path identityFile() {
        return home.resolve("data/identity/node.json");
    }

    private void store(NodeIdentity id) {
        try {
            ObjectNode n = Codec.MAPPER.createObjectNode();
            n.put("uuid", id.uuid().toString());
            n.put("block", id.faultDomain().block());
            n.put("rack", id.faultDomain().rack());
            Path file = identityFile();
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("node.json.tmp");
            Files.write(tmp, Codec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the node identity under " + home + ": " + e.getMessage(), e);
        }
    }
}
