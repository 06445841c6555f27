package io.cairn.cluster.genesis.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * Factory state and joining. {@code genesis.hello} tells a cluster creator who this node is and
 * which key its certificate must certify; {@code genesis.join} hands it the cluster configuration,
 * the cluster CA and its signed certificate. The configuration is kept in
 * {@code data/cluster/cluster.json}; once it exists this component registers {@link ClusterJoin}
 * and Zeus starts.
 */
@Component(service = {RpcHandler.class, Bootstrap.class}, immediate = true, property = {
        RpcHandler.METHOD + "=genesis.hello", RpcHandler.METHOD + "=genesis.join", RpcHandler.BOOTSTRAP + ":Boolean=true"})
public final class Bootstrap implements RpcHandler {

    private final Logger logger = LoggerFactory.getLogger(Bootstrap.class);
    private final LocalNodeImpl local;
    private final NodeTrust trust;
    private final BundleContext context;
    private ServiceRegistration<ClusterJoin> joined;
    private boolean closed;
    private volatile ClusterConfig config;

    @Activate
    public Bootstrap(@Reference LocalNodeImpl local, @Reference NodeTrust trust, BundleContext context) throws IOException {
        this.local = local;
        this.trust = trust;
        this.context = context;
        Path file = configFile();
        if (Files.exists(file)) {
            ClusterConfig c = Codec.MAPPER.readValue(file.toFile(), ClusterConfig.class);
            if (!trust.clustered()) {
                throw new IllegalStateException("node home " + local.home() + " has a cluster configuration but no cluster "
                        + "certificate (data/pki); restore data/pki or re-image the node");
            }
            register(c);
            logger.info("Member of cluster {} ({} nodes); waiting for Zookeeper", c.name(), c.nodes().size());
        } else {
            logger.info("Factory state: node {} ({}) is not part of a cluster; create one with cairn cluster create",
                    local.identity().address(), local.identity().uuid());
        }
    }

    Optional<ClusterConfig> config() {
        return Optional.ofNullable(config);
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        return switch (call.method()) {
            case "genesis.hello" -> hello();
            case "genesis.join" -> join(Codec.tree(call.body(), "genesis.join"), call);
            default -> throw CairnException.notFound("no method " + call.method());
        };
    }

    private byte[] hello() {
        NodeIdentity id = local.identity();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", id.uuid().toString());
        m.put("address", id.address());
        m.put("version", id.softwareVersion());
        m.put("block", id.faultDomain().block());
        m.put("rack", id.faultDomain().rack());
        m.put("clustered", config != null);
        m.put("cluster", config == null ? "" : config.name());
        m.put("publicKey", Base64.getEncoder().encodeToString(trust.publicKey().getEncoded()));
        m.put("fingerprint", trust.fingerprint());
        return Codec.write(m);
    }

    private synchronized byte[] join(JsonNode body, RpcCall call) throws IOException {
        if (config != null) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "node " + local.identity().address()
                    + " is already a member of cluster '" + config.name() + "'; remove it from that cluster first");
        }
        JsonNode cfgNode = body.get("config");
        if (cfgNode == null || !cfgNode.isObject()) {
            throw CairnException.invalid("genesis.join needs 'config' (the cluster configuration)");
        }
        ClusterConfig c = Codec.read(cfgNode, ClusterConfig.class, "the cluster configuration");
        NodeIdentity mine = c.node(local.identity().uuid()).orElseThrow(() -> CairnException.invalid(
                "the cluster configuration does not list this node (" + local.identity().uuid() + " at "
                        + local.identity().address() + ")"));
        if (!mine.address().equals(local.identity().address())) {
            throw CairnException.invalid("the cluster configuration lists this node at " + mine.address() + " but it serves on "
                    + local.identity().address());
        }
        if (c.zookeeper().size() != c.ensembleSize()) {
            throw CairnException.invalid("fault tolerance " + c.faultTolerance() + " needs " + c.ensembleSize()
                    + " Zookeeper members, the configuration names " + c.zookeeper().size());
        }
        X509Certificate ca = cert(Codec.text(body, "ca", "genesis.join"), "ca");
        X509Certificate mineCert = cert(Codec.text(body, "certificate", "genesis.join"), "certificate");
        if (body.has("caKey")) {
            // the join travels over the trust-on-first-use bootstrap channel: the CA key never goes with it
            throw CairnException.invalid("genesis.join does not take the cluster CA key ('caKey'): it is handed over after the join, "
                    + "over mutual TLS, with genesis.authority.install (use a cairn CLI of this version)");
        }
        // nothing changes unless the configuration can be stored: it is written first (a temporary file), then the
        // trust is installed, then the file takes its place (a failed join leaves the node in factory state)
        Path tmp = prepare(c);
        try {
            trust.install(ca, mineCert);
        } catch (RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        moveDurably(tmp, configFile());
        local.place(mine.faultDomain());
        logger.info("Joined cluster {} ({}) at the request of {}", c.name(), c.uuid(), call.peer());
        // the join is durable now (cluster.json): answer at once; the services that start with the cluster
        // (Zeus, Medusa, Prism, ...) are activated by the registration, which takes seconds on a busy machine
        config = c;
        Thread.ofPlatform().name("genesis-join").daemon(true).start(() -> publish(c));
        return Codec.write(Map.of("joined", c.name(), "node", mine.uuid().toString()));
    }

    private static X509Certificate cert(String pem, String field) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | ClassCastException e) {
            throw CairnException.invalid("'" + field + "' is not a PEM X.509 certificate: " + e.getMessage());
        }
    }

    /** Keeps the local copy of the configuration (used at the next start) equal to Zeus' current one. */
    synchronized void refresh(ClusterConfig current) {
        if (config == null || current.equals(config) || !current.uuid().equals(config.uuid())) {
            return;
        }
        if (current.node(local.identity().uuid()).isEmpty() && trust.authority().isPresent()) {
            // removed from the cluster: a former member must not keep the key that certifies members (spec 30 §2)
            trust.removeAuthority();
            logger.info("node {} is no longer in the configuration of cluster {}; deleted its copy of the cluster CA key",
                    local.identity().address(), current.name());
        }
        try {
            store(current);
            config = current;
        } catch (IOException e) {
            logger.warn("cannot refresh the local copy of the cluster configuration: {}", e.toString());
        }
    }

    private void store(ClusterConfig c) throws IOException {
        moveDurably(prepare(c), configFile());
    }

    /**
     * Renames {@code tmp} over {@code target} atomically, then fsyncs the directory so that the rename
     * itself survives a power loss (the file's content was synced before): once a join is answered,
     * the node is a member after any restart.
     */
    static void moveDurably(Path tmp, Path target) throws IOException {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (java.nio.channels.FileChannel dir = java.nio.channels.FileChannel.open(target.getParent(),
                java.nio.file.StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Writes {@code c} next to the configuration file, synced; returns the temporary file. */
    private Path prepare(ClusterConfig c) throws IOException {
        Path file = configFile();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "cannot store the cluster configuration: "
                    + file.getParent() + " is not a usable directory (" + e + "); fix the node's data directory and join again");
        }
        Path tmp = file.resolveSibling("cluster.json.tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(Codec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(c)));
            ch.force(true);
        }
        return tmp;
    }

    private synchronized void publish(ClusterConfig c) {
        if (!closed && joined == null) {
            try {
                register(c);
            } catch (RuntimeException e) {
                // the join is on disk: the next start of this node registers it; say so rather than hang silently
                logger.error("Joined cluster {} but could not start its services ({}); restart the node", c.name(), e.toString());
            }
        }
    }

    private void register(ClusterConfig c) {
        config = c;
        NodeIdentity self = c.node(local.identity().uuid()).orElseThrow();
        ClusterJoin join = new ClusterJoin() {
            @Override
            public ClusterConfig config() {
                return c;
            }

            @Override
            public NodeIdentity self() {
                return new NodeIdentity(self.uuid(), self.address(), self.faultDomain(), local.identity().softwareVersion());
            }
        };
        joined = context.registerService(ClusterJoin.class, join, null);
    }

    private Path configFile() {
        return local.home().resolve("data/cluster/cluster.json");
    }

    @Deactivate
    synchronized void deactivate() {
        closed = true;
        if (joined != null) {
            try {
                joined.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            joined = null;
        }
    }
}
