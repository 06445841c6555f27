package io.cairn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.FaultDomains;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * {@code cluster create}: checks every named controller is reachable and in factory state, creates
 * the cluster CA, signs each node's own key, places the Zookeeper ensemble on distinct blocks, hands
 * every node its configuration, and waits until all of them report in through Zeus.
 */
final class ClusterCreate {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** The admin's client certificate (not renewed automatically). */
    private static final Duration VALIDITY = Duration.ofDays(5 * 365);
    /**
     * Node certificates (spec 30 §2 {@code cluster_ca_leaf_validity_days}); each member renews its own when fewer than 30
     * days remain (genesis {@code PkiKeeper}), and every TLS endpoint presents the renewal from its next handshake.
     */
    private static final Duration NODE_VALIDITY = Duration.ofDays(io.cairn.cluster.rpc.LeafRenewal.LEAF_VALIDITY_DAYS);

    private final Options o;
    private final PrintStream out;

    ClusterCreate(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    int run() {
        String nodesArg = o.option("--nodes");
        if (nodesArg == null) {
            throw new Main.UsageException("cluster create needs --nodes IP,IP,IP (the running factory-state controllers)");
        }
        List<String> ips = parseIps(nodesArg);
        Set<String> seen = new HashSet<>(ips);
        int ft;
        try {
            ft = Integer.parseInt(o.options().getOrDefault("--ft", "1"));
        } catch (NumberFormatException e) {
            throw CairnException.invalid("--ft must be 1 or 2");
        }
        if (ft != 1 && ft != 2) {
            throw CairnException.invalid("--ft must be 1 or 2, not " + ft);
        }
        int need = 2 * ft + 1;
        if (ips.size() < need) {
            throw CairnException.invalid("fault tolerance " + ft + " needs at least " + need + " nodes (a Zookeeper ensemble of "
                    + need + "); --nodes names " + ips.size());
        }
        Map<String, String> blocks = Commands.pairs(o.option("--blocks"), "--blocks");
        Map<String, String> racks = Commands.pairs(o.option("--racks"), "--racks");
        for (String ip : blocks.keySet()) {
            if (!seen.contains(ip)) {
                throw CairnException.invalid("--blocks names " + ip + ", which is not in --nodes");
            }
        }
        for (String ip : racks.keySet()) {
            if (!seen.contains(ip)) {
                throw CairnException.invalid("--racks names " + ip + ", which is not in --nodes");
            }
        }
        String name = o.options().getOrDefault("--name", "cairn");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,62}")) {
            throw CairnException.invalid("cluster name '" + name + "' must be letters, digits, '-' and '_' (up to 63)");
        }
        Path admin = o.adminDir();
        if (Files.exists(admin.resolve(PENDING))) {
            return resume(admin, name, ips, ft);
        }
        if (Files.exists(admin.resolve("ca.key.pem")) || Files.exists(admin.resolve("cert.pem"))) {
            throw CairnException.invalid("admin directory " + admin + " already holds a cluster's credentials; pass --admin NEWDIR");
        }

        Map<String, JsonNode> hello = new LinkedHashMap<>();
        try (RpcClient boot = Rpc.bootstrapClient()) {
            for (String ip : ips) {
                hello.put(ip, hello(boot, ip));
            }
            Set<String> uuids = new HashSet<>();
            for (var e : hello.entrySet()) {
                if (!uuids.add(e.getValue().get("uuid").asText())) {
                    throw CairnException.invalid(e.getKey() + " is the same node as another address in --nodes");
                }
            }

            List<NodeIdentity> nodes = new ArrayList<>();
            for (String ip : ips) {
                JsonNode h = hello.get(ip);
                String uuid = h.get("uuid").asText();
                nodes.add(new NodeIdentity(UUID.fromString(uuid), ip, new FaultDomain(racks.getOrDefault(ip, h.get("rack").asText()),
                        blocks.getOrDefault(ip, h.get("block").asText()), uuid), h.get("version").asText()));
            }
            List<UUID> zk = FaultDomains.spread(nodes, need, Set.of()).stream().map(NodeIdentity::uuid).toList();
            long id = ThreadLocalRandom.current().nextLong(1, 1L << 53);
            ClusterConfig config = new ClusterConfig(UUID.randomUUID(), name, id, ft, nodes, zk);
            // the configuration is recorded before the credentials and the joins: from here on an interrupted
            // creation is finished by running cluster create again with the same admin directory (resume)
            writePending(admin, config);
            ClusterCa ca = ClusterCa.create(name, Duration.ofDays(10 * 365));
            Credentials adminCreds = ca.issueCredentials("admin", List.of(), VALIDITY);
            ca.store(admin);
            adminCreds.store(admin);
            writeServers(admin, ips);

            int[] joins = {0};
            try (RpcClient mutual = Rpc.client(adminCreds)) {
                for (NodeIdentity n : nodes) {
                    join(boot, ca, n, hello.get(n.address()), config);
                    haltForTest(++joins[0]);
                    installAuthority(mutual, ca, n.address());
                    out.println("joined " + n.address() + (zk.contains(n.uuid()) ? " (Zookeeper member)" : ""));
                }
            }
            return created(admin, adminCreds, config, ips);
        }
    }

    /**
     * {@code <admin>/creating.json}: the configuration of a cluster whose creation has begun and is not
     * finished (every node joined, the cluster up, Prism's admin user created). Its presence makes
     * {@code cluster create} with that admin directory resume the creation instead of refusing.
     */
    static final String PENDING = "creating.json";

    /**
     * Test-only: the environment variable that makes {@code cluster create} halt the process (as a kill
     * would, exit status 137) right after its N-th {@code genesis.join} has been answered, before the CA key is
     * handed to that node; the system tests use it to interrupt a creation between joins deterministically.
     */
    static final String HALT_AFTER_JOINS = "CAIRN_TEST_CREATE_HALT_AFTER_JOINS";

    private void haltForTest(int joins) {
        String n = System.getenv(HALT_AFTER_JOINS);
        if (n != null && n.strip().equals(Integer.toString(joins))) {
            out.println("halting after " + joins + " join(s) (" + HALT_AFTER_JOINS + ", test only)");
            out.flush();
            System.out.flush();
            Runtime.getRuntime().halt(137);
        }
    }

    private static void writePending(Path admin, ClusterConfig config) {
        try {
            Files.createDirectories(admin);
            Path tmp = admin.resolve(PENDING + ".tmp");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(Commands.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config)));
                ch.force(true);
            }
            Files.move(tmp, admin.resolve(PENDING), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (java.nio.channels.FileChannel dir = java.nio.channels.FileChannel.open(admin, java.nio.file.StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot record the cluster configuration in " + admin.resolve(PENDING) + ": "
                    + e.getMessage());
        }
    }

    /** Every node joined: waits for the cluster, creates Prism's admin user; the creation is finished once that is done. */
    private int created(Path admin, Credentials adminCreds, ClusterConfig config, List<String> ips) {
        out.println("cluster " + config.name() + " created: cluster_id " + config.id() + ", " + config.nodes().size()
                + " nodes, fault tolerance " + config.faultTolerance());
        out.println("admin credentials: " + admin + "  (use: cairn cluster status --node " + ips.get(0) + " --admin " + admin + ")");
        int rc = waitForCluster(adminCreds, ips, ips.size());
        if (rc == 0 && prismAdmin(adminCreds, ips.get(0))) {
            try {
                Files.deleteIfExists(admin.resolve(PENDING));
            } catch (IOException e) {
                throw new CairnException(ErrorCode.INTERNAL, "cannot delete " + admin.resolve(PENDING) + ": " + e.getMessage());
            }
        }
        return rc;
    }

    /**
     * Finishes a creation that was interrupted ({@link #PENDING} in the admin directory): the same
     * configuration (cluster uuid, id, nodes, Zookeeper ensemble) and the same CA; the nodes that
     * joined already are left as they are (they only get the CA key again, which is idempotent), the
     * others join. Only the same name, nodes and fault tolerance are accepted: never a second cluster.
     */
    private int resume(Path admin, String name, List<String> ips, int ft) {
        ClusterConfig config;
        try {
            config = Commands.JSON.readValue(admin.resolve(PENDING).toFile(), ClusterConfig.class);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, admin.resolve(PENDING) + " (an unfinished cluster creation) cannot be"
                    + " read: " + e.getMessage());
        }
        List<String> addresses = config.nodes().stream().map(NodeIdentity::address).toList();
        if (!config.name().equals(name) || !new HashSet<>(addresses).equals(new HashSet<>(ips)) || config.faultTolerance() != ft) {
            throw CairnException.invalid("admin directory " + admin + " holds the unfinished creation of cluster " + config.name()
                    + " (nodes " + String.join(",", addresses) + ", fault tolerance " + config.faultTolerance() + "); run cluster create"
                    + " with that --name, --nodes and --ft to finish it, or pass --admin NEWDIR");
        }
        List<String> creds = List.of("ca.key.pem", "ca.pem", "cert.pem", "key.pem");
        ClusterCa ca;
        Credentials adminCreds;
        if (creds.stream().allMatch(f -> Files.isRegularFile(admin.resolve(f)))) {
            ca = ClusterCa.load(admin);
            adminCreds = Credentials.load(admin);
        } else {
            // interrupted before the credentials were all stored: no node has joined (the joins come after), so a new CA is safe
            ca = ClusterCa.create(name, Duration.ofDays(10 * 365));
            adminCreds = ca.issueCredentials("admin", List.of(), VALIDITY);
            ca.store(admin);
            adminCreds.store(admin);
        }
        writeServers(admin, addresses);
        out.println("resuming the creation of cluster " + name + " (cluster_id " + config.id() + ", " + addresses.size() + " nodes)");
        long timeoutS = Long.parseLong(o.options().getOrDefault("--timeout", "120"));
        int[] joins = {0};
        try (RpcClient boot = Rpc.bootstrapClient(); RpcClient mutual = Rpc.client(adminCreds)) {
            for (NodeIdentity n : config.nodes()) {
                JsonNode factory = probe(boot, mutual, n, config, Duration.ofSeconds(timeoutS));
                if (factory == null) {
                    installAuthority(mutual, ca, n.address());
                    out.println("already joined " + n.address());
                } else {
                    join(boot, ca, n, factory, config);
                    haltForTest(++joins[0]);
                    installAuthority(mutual, ca, n.address());
                    out.println("joined " + n.address() + (config.zookeeper().contains(n.uuid()) ? " (Zookeeper member)" : ""));
                }
            }
        }
        return created(admin, adminCreds, config, addresses);
    }

    /**
     * Where node {@code n} of an unfinished creation is: its {@code genesis.hello} when it is still in
     * factory state (and is the node the creation began with), null when it is a member of this cluster
     * (it answers over mutual TLS with a certificate of this cluster's CA). Waits up to {@code timeout}
     * for a node that does not answer yet (it may be starting).
     */
    private static JsonNode probe(RpcClient boot, RpcClient mutual, NodeIdentity n, ClusterConfig config, Duration timeout) {
        String ip = n.address();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        for (;;) {
            JsonNode h = null;
            boolean clustered = false;
            try {
                h = Commands.JSON.readTree(boot.call(ip, "genesis.hello", new byte[0], Duration.ofSeconds(10)));
            } catch (RpcException e) {
                clustered = e.reason() == RpcException.Reason.UNAUTHENTICATED;
                last = e.getMessage();
            } catch (CairnException | IOException e) {
                last = e.getMessage();
            }
            if (h != null && !h.path("clustered").asBoolean()) {
                if (!h.path("uuid").asText().equals(n.uuid().toString())) {
                    throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " is node " + h.path("uuid").asText() + " but the creation of"
                            + " cluster " + config.name() + " began with node " + n.uuid() + " there (re-imaged or replaced?); the cluster"
                            + " cannot be finished with it: put that node back, or start over with a new admin directory and factory nodes");
                }
                return h;
            }
            if (clustered) {
                // the bootstrap channel refused us: the node is clustered; it must be a member of this cluster
                try {
                    JsonNode m = Commands.JSON.readTree(mutual.call(ip, "genesis.hello", new byte[0], Duration.ofSeconds(10)));
                    if (!m.path("uuid").asText().equals(n.uuid().toString()) || !m.path("cluster").asText().equals(config.name())) {
                        throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " is node " + m.path("uuid").asText() + " of cluster '"
                                + m.path("cluster").asText() + "', not node " + n.uuid() + " of cluster " + config.name());
                    }
                    return null;
                } catch (RpcException e) {
                    last = "it is clustered but does not accept this cluster's admin certificate (" + e.getMessage() + ")";
                    if (e.reason() == RpcException.Reason.UNAUTHENTICATED) {
                        throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " belongs to another cluster: " + last);
                    }
                } catch (IOException e) {
                    last = e.getMessage();
                }
            } else if (h != null) {
                last = "it answers as clustered but not yet over mutual TLS";
            }
            if (System.nanoTime() > deadline) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "cannot tell whether " + ip + " has joined cluster " + config.name()
                        + " (last: " + last + "); start it and run cluster create again");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CairnException(ErrorCode.UNAVAILABLE, "interrupted while waiting for " + ip);
            }
        }
    }

    private void printPrismLogin(String ip, String password) {
        out.println("Prism: https://" + ip + ":9440/ (any node; non-leaders redirect to the leader), CA certificate " + o.adminDir().resolve("ca.pem"));
        out.println("Prism login: user admin, password " + password + "  (shown only now; change it at the first login)");
    }

    /** 20 characters from letters, digits and symbols, with each class present (the password policy's classes). */
    static String generatedPassword() {
        String upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        String lower = "abcdefghijkmnopqrstuvwxyz";
        String digits = "23456789";
        String symbols = "!#%+-=?@^_";
        String all = upper + lower + digits + symbols;
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (;;) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                b.append(all.charAt(random.nextInt(all.length())));
            }
            String s = b.toString();
            if (s.chars().anyMatch(ch -> upper.indexOf(ch) >= 0) && s.chars().anyMatch(ch -> lower.indexOf(ch) >= 0)
                    && s.chars().anyMatch(ch -> digits.indexOf(ch) >= 0) && s.chars().anyMatch(ch -> symbols.indexOf(ch) >= 0)) {
                return s;
            }
        }
    }

    /**
     * Creates Prism's local user {@code admin} with a generated password and prints it, the only
     * time it is shown (spec 10 §9, spec 30: no default password; it must be changed at the first
     * login). Waits for Prism to come up on the first node, at most {@code --timeout} seconds.
     */
    private boolean prismAdmin(Credentials admin, String ip) {
        long timeoutS = Long.parseLong(o.options().getOrDefault("--timeout", "120"));
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
        String last = "";
        String password = generatedPassword();
        try (RpcClient client = Rpc.client(admin)) {
            while (System.nanoTime() < deadline) {
                try {
                    byte[] body = Commands.JSON.writeValueAsBytes(java.util.Map.of("password", password));
                    client.call(ip, "prism.admin.bootstrap", body, Duration.ofSeconds(60));
                    printPrismLogin(ip, password);
                    return true;
                } catch (CairnException | IOException e) {
                    if (e instanceof CairnException c && c.code() == ErrorCode.ALREADY_EXISTS) {
                        if (!last.isEmpty()) { // an earlier try of this run may have created it without its answer arriving
                            printPrismLogin(ip, password);
                            out.println("(if 'cluster create' ran before on this cluster, the password is the one it printed then)");
                        } else {
                            out.println("Prism: the admin user exists already; its password was shown when it was created");
                        }
                        return true;
                    }
                    last = e.getMessage();
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        out.println("Prism: the admin user could not be created yet (" + last + "); run cluster create again with the same --admin "
                + o.adminDir() + " to finish");
        return false;
    }

    private static List<String> parseIps(String nodesArg) {
        List<String> ips = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String raw : nodesArg.split(",")) {
            String ip = raw.trim();
            if (!IPV4.matcher(ip).matches()) {
                throw CairnException.invalid("'" + ip + "' in --nodes is not an IPv4 address");
            }
            if (!seen.add(ip)) {
                throw CairnException.invalid(ip + " is listed twice in --nodes; each controller once");
            }
            ips.add(ip);
        }
        return ips;
    }

    /** Waits until {@code expected} nodes report Genesis (and Zookeeper where they are members) up, asking {@code ips.get(0)}. */
    private int waitForCluster(Credentials admin, List<String> ips, int expected) {
        long timeoutS = Long.parseLong(o.options().getOrDefault("--timeout", "120"));
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
        String last = "";
        try (RpcClient client = Rpc.client(admin)) {
            while (System.nanoTime() < deadline) {
                try {
                    JsonNode s = Commands.JSON.readTree(client.call(ips.get(0), "cluster.status", new byte[0], Duration.ofSeconds(10)));
                    int up = 0;
                    for (JsonNode n : s.get("nodes")) {
                        boolean member = n.get("services").has("Zookeeper");
                        up += n.get("up").asBoolean() && n.get("services").path("Genesis").asText().startsWith("UP")
                                && (!member || n.get("services").path("Zookeeper").asText().startsWith("UP")) ? 1 : 0;
                    }
                    if (up == expected) {
                        out.print(s.get("text").asText());
                        return 0;
                    }
                    last = up + " of " + expected + " nodes up";
                } catch (CairnException | IOException e) {
                    last = e.getMessage();
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new CairnException(ErrorCode.TIMEOUT, "the cluster did not come up within " + timeoutS + " s (last: " + last
                + "); see logs/controller.log of each node");
    }


    /** genesis.hello to a factory-state controller; refuses one that is unreachable or already clustered. */
    private JsonNode hello(RpcClient boot, String ip) {
        JsonNode h;
        try {
            h = Commands.JSON.readTree(boot.call(ip, "genesis.hello", new byte[0], Duration.ofSeconds(10)));
        } catch (RpcException e) {
            if (e.reason() == RpcException.Reason.PEER_UNREACHABLE || e.reason() == RpcException.Reason.DEADLINE_EXCEEDED) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "cannot reach the controller at " + ip + " (" + e.getMessage()
                        + "); start it with cairn node start --home DIR --ip " + ip + " and retry");
            }
            if (e.reason() == RpcException.Reason.UNAUTHENTICATED) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " already belongs to a cluster (it asks for "
                        + "cluster credentials); only factory-state nodes can join");
            }
            throw e;
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, ip + " answered genesis.hello with bad JSON");
        }
        if (h.get("clustered").asBoolean()) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " is already a member of cluster '"
                    + h.get("cluster").asText() + "'; only factory-state nodes can join");
        }
        out.println("found " + ip + " (node " + h.get("uuid").asText() + ", " + h.get("version").asText()
                + ", certificate " + h.get("fingerprint").asText() + ")");
        return h;
    }

    private static NodeIdentity identity(String ip, JsonNode h, Map<String, String> racks, Map<String, String> blocks) {
        String uuid = h.get("uuid").asText();
        return new NodeIdentity(UUID.fromString(uuid), ip, new FaultDomain(racks.getOrDefault(ip, h.get("rack").asText()),
                blocks.getOrDefault(ip, h.get("block").asText()), uuid), h.get("version").asText());
    }

    /**
     * Signs the node's own key with the cluster CA and hands it the configuration (genesis.join). The join goes over
     * the bootstrap channel, which trusts the node's factory certificate on first use, so it never carries the CA key
     * ({@link #installAuthority}).
     */
    private static void join(RpcClient boot, ClusterCa ca, NodeIdentity n, JsonNode hello, ClusterConfig config) {
        PublicKey key = publicKey(hello.get("publicKey").asText(), n.address());
        var cert = ca.issue(key, "node:" + n.uuid(), List.of(n.address()), NODE_VALIDITY);
        boot.call(n.address(), "genesis.join", Commands.write(joinRequest(ca, cert, config)), Duration.ofSeconds(60));
    }

    /** What {@link #join} sends, for tests: the configuration, the CA certificate and the node's, nothing secret. */
    static ObjectNode joinRequest(ClusterCa ca, java.security.cert.X509Certificate cert, ClusterConfig config) {
        ObjectNode join = Commands.JSON.createObjectNode();
        join.set("config", Commands.JSON.valueToTree(config));
        join.put("ca", pem(ca.certificate()));
        join.put("certificate", pem(cert));
        return join;
    }

    /**
     * Hands a node that has just joined the cluster CA key (spec 30 §2: every member keeps it) with
     * {@code genesis.authority.install} over mutual TLS: the node proves with its new CA-signed certificate that it is
     * the node just certified (and the client checks that the certificate names the address), the client presents the
     * admin certificate. Retried briefly while the node switches its listener to mutual TLS.
     */
    static void installAuthority(RpcClient mutual, ClusterCa ca, String ip) {
        byte[] body = Commands.write(Map.of("caKey", ca.exportKey()));
        for (int attempt = 1;; attempt++) {
            try {
                mutual.call(ip, "genesis.authority.install", body, Duration.ofSeconds(20));
                return;
            } catch (CairnException e) {
                if (attempt >= 5 || !(e.code() == ErrorCode.UNAUTHENTICATED || e.code() == ErrorCode.UNAVAILABLE)) {
                    throw new CairnException(e.code(), ip + " joined but did not take the cluster CA key: " + e.getMessage());
                }
                try {
                    Thread.sleep(500L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * {@code cluster add-node}: adds running factory-state controllers to the cluster that the
     * target controller belongs to: checks them, adds them to the cluster configuration
     * (compare-and-set on the Zeus document), signs their keys with the cluster CA (its key is in the
     * admin directory) and hands each its configuration, then waits until every node is up. Medusa
     * and Zookeeper rebalance onto the new nodes by themselves.
     */
    int runAddNode() {
        String nodesArg = o.option("--nodes");
        if (nodesArg == null) {
            throw new Main.UsageException("cluster add-node needs --nodes IP[,IP...] (running factory-state controllers)");
        }
        return addNodes(parseIps(nodesArg));
    }

    /**
     * {@code ncli cluster add-node node-uuid=UUID [cvm-ip=IP]} (spec 10 §6): finds the node by UUID among
     * those the target controller discovers ({@code cluster.discover_nodes}) and adds it at the IP it
     * advertises (or {@code cvm-ip}), as {@code cluster add-node --nodes IP} does.
     */
    int runAddNodeByUuid() {
        String uuid = null;
        String ip = null;
        for (String w : o.words().subList(3, o.words().size())) {
            if (w.startsWith("node-uuid=")) {
                uuid = w.substring("node-uuid=".length());
            } else if (w.startsWith("cvm-ip=")) {
                ip = w.substring("cvm-ip=".length());
            } else {
                throw new Main.UsageException("ncli cluster add-node takes node-uuid=UUID [cvm-ip=IP], not '" + w + "'");
            }
        }
        if (uuid == null || uuid.isBlank()) {
            throw new Main.UsageException("ncli cluster add-node needs node-uuid=UUID (ncli cluster discover-nodes lists them)");
        }
        String via = o.node();
        if (via == null) {
            throw new Main.UsageException("say which cluster: --node IP of one of its controllers (with --admin DIR), or --admin DIR whose servers file names them");
        }
        if (ip == null) {
            JsonNode found;
            try (RpcClient client = Rpc.client(Credentials.load(o.adminDir()))) {
                found = Commands.JSON.readTree(client.call(via, "cluster.discover_nodes", Commands.write(Map.of()), Duration.ofSeconds(30)));
            } catch (IOException e) {
                throw new CairnException(ErrorCode.INTERNAL, "bad reply from " + via + ": " + e.getMessage());
            }
            for (JsonNode n : found.path("nodes")) {
                if (n.path("uuid").asText().equals(uuid)) {
                    if (n.path("addresses").isEmpty()) {
                        throw CairnException.invalid("node " + uuid + " advertises no IP address: IP configuration required (cvm-ip=IP)");
                    }
                    ip = n.path("addresses").get(0).asText();
                }
            }
            if (ip == null) {
                throw new CairnException(ErrorCode.NOT_FOUND, "no unconfigured node " + uuid + " is discovered from " + via
                        + "; ncli cluster discover-nodes lists those it finds");
            }
        }
        return addNodes(List.of(ip));
    }

    private int addNodes(List<String> ips) {
        Map<String, String> blocks = Commands.pairs(o.option("--blocks"), "--blocks");
        Map<String, String> racks = Commands.pairs(o.option("--racks"), "--racks");
        Path admin = o.adminDir();
        if (!Files.exists(admin.resolve("ca.key.pem")) && !Files.exists(admin.resolve("ca.pem"))) {
            throw CairnException.invalid("no cluster CA in " + admin + "; pass --admin DIR (the directory cluster create wrote)");
        }
        String via = o.node();
        if (via == null) {
            throw new Main.UsageException("say which cluster: --node IP of one of its controllers (with --admin DIR), or --admin DIR whose servers file names them");
        }
        ClusterCa ca = ClusterCa.load(admin);
        Credentials adminCreds = Credentials.load(admin);
        try (RpcClient boot = Rpc.bootstrapClient(); RpcClient client = Rpc.client(adminCreds)) {
            Map<String, JsonNode> hello = new LinkedHashMap<>();
            for (String ip : ips) {
                hello.put(ip, hello(boot, ip));
            }
            // spec 10 §6: a node on another version is brought to the cluster's version (in parallel) before it joins
            Map<String, String> notBrought = bringToClusterVersion(client, via, boot, ips, hello);
            List<String> all = ips;
            ips = ips.stream().filter(ip -> !notBrought.containsKey(ip)).toList();
            if (ips.isEmpty()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, notJoined(notBrought) + "; the cluster is unchanged");
            }
            List<String> joining = ips;
            ClusterConfig config = updateConfig(client, via, current -> {
                List<NodeIdentity> nodes = new ArrayList<>(current.nodes());
                java.util.Set<String> versions = new java.util.TreeSet<>();
                current.nodes().forEach(x -> versions.add(String.valueOf(x.softwareVersion())));
                if (versions.size() > 1) {
                    throw new CairnException(ErrorCode.FAILED_PRECONDITION, "the nodes of cluster " + current.name() + " run "
                            + versions + " (an upgrade is under way?); add nodes once they all run one version");
                }
                String clusterVersion = versions.isEmpty() ? null : versions.iterator().next();
                for (String ip : joining) {
                    NodeIdentity n = identity(ip, hello.get(ip), racks, blocks);
                    if (nodes.stream().anyMatch(x -> x.address().equals(ip) || x.uuid().equals(n.uuid()))) {
                        throw CairnException.invalid(ip + " is already a node of cluster " + current.name());
                    }
                    if (clusterVersion != null && n.softwareVersion() != null && !n.softwareVersion().equals(clusterVersion)) {
                        throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " runs " + n.softwareVersion() + " and cluster "
                                + current.name() + " runs " + clusterVersion + " (its version changed while it was added?); run add-node again,"
                                + " which brings it to the cluster's version first");
                    }
                    nodes.add(n);
                }
                return new ClusterConfig(current.uuid(), current.name(), current.id(), current.faultTolerance(), nodes,
                        current.zookeeper());
            }).orElseThrow(() -> new CairnException(ErrorCode.CONFLICT, "the cluster configuration kept changing; retry cluster add-node"));
            writeServers(admin, config.nodes().stream().map(NodeIdentity::address).toList());
            for (int i = 0; i < joining.size(); i++) {
                String ip = joining.get(i);
                NodeIdentity n = config.nodes().stream().filter(x -> x.address().equals(ip)).findFirst().orElseThrow();
                try {
                    join(boot, ca, n, hello.get(ip), config);
                } catch (RuntimeException e) {
                    // spec 10 §6: a join failure removes the node from the Zeus configuration and leaves the cluster as it was
                    List<String> notJoined = joining.subList(i, joining.size());
                    String removed = removeFromConfig(client, via, notJoined);
                    writeServers(admin, config.nodes().stream().map(NodeIdentity::address).filter(a -> !notJoined.contains(a)).toList());
                    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                    throw new CairnException(e instanceof CairnException c ? c.code() : ErrorCode.INTERNAL, "joining " + ip + " failed ("
                            + msg + "); " + removed + (i > 0 ? "; " + String.join(", ", joining.subList(0, i)) + " joined" : ""));
                }
                installAuthority(client, ca, ip);
                out.println("joined " + ip + " to cluster " + config.name());
            }
            int rc = waitForCluster(adminCreds, List.of(via), config.nodes().size());
            if (!notBrought.isEmpty()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, String.join(", ", joining) + " joined; " + notJoined(notBrought)
                        + " (of " + String.join(", ", all) + ")");
            }
            return rc;
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "bad reply from " + via + ": " + e.getMessage());
        }
    }

    /**
     * The nodes of {@code ips} whose version is not the cluster's are brought to it ({@link NodeReimage}); their
     * {@code hello} is replaced by the answer they give on the new version. Returns the nodes that could not be
     * brought, with the reason; they are not joined.
     */
    private Map<String, String> bringToClusterVersion(RpcClient client, String via, RpcClient boot, List<String> ips,
            Map<String, JsonNode> hello) throws IOException {
        JsonNode doc = Commands.JSON.readTree(client.call(via, "zeus.read", Commands.write(Map.of("document", ClusterConfig.DOCUMENT)),
                Duration.ofSeconds(20)));
        ClusterConfig current = Commands.JSON.readValue(doc.get("data").asText(), ClusterConfig.class);
        java.util.Set<String> versions = new java.util.TreeSet<>();
        current.nodes().forEach(x -> versions.add(String.valueOf(x.softwareVersion())));
        if (versions.size() != 1) {
            return Map.of(); // no version or several (an upgrade under way): the configuration change below says so
        }
        String version = versions.iterator().next();
        Map<String, String> other = new LinkedHashMap<>();
        for (String ip : ips) {
            String v = hello.get(ip).path("version").asText(null);
            if (v != null && !v.equals(version)) {
                other.put(ip, v);
            }
        }
        if (other.isEmpty()) {
            return Map.of();
        }
        NodeReimage.Result r = new NodeReimage(out, client, via, boot).bring(List.copyOf(other.keySet()), other, version);
        hello.putAll(r.back());
        Map<String, String> failed = new LinkedHashMap<>();
        r.failed().forEach((ip, why) -> failed.put(ip, ip + " (on " + other.get(ip) + ") was not brought to the cluster's version "
                + version + " and is not joined: " + why));
        return failed;
    }

    private static String notJoined(Map<String, String> failed) {
        return String.join("; ", failed.values());
    }

    /**
     * Takes {@code ips} out of the cluster configuration again (compare-and-set, retried on
     * conflicts); says what it did, for the error the caller raises.
     */
    private static String removeFromConfig(RpcClient client, String via, List<String> ips) {
        try {
            return updateConfig(client, via, current -> new ClusterConfig(current.uuid(), current.name(), current.id(),
                    current.faultTolerance(), current.nodes().stream().filter(n -> !ips.contains(n.address())).toList(), current.zookeeper()))
                    .map(c -> String.join(", ", ips) + " removed from the cluster configuration again; the cluster is unchanged")
                    .orElse("the cluster configuration kept changing; " + String.join(", ", ips) + " may still be listed: check cluster status");
        } catch (CairnException e) {
            return "removing " + String.join(", ", ips) + " from the cluster configuration failed too (" + e.getMessage()
                    + "); check cluster status";
        } catch (IOException e) {
            return "the cluster configuration could not be read back (" + e.getMessage() + "); check it with cluster status";
        }
    }

    /**
     * Compare-and-set of the cluster configuration in Zeus: {@code change} turns the current one into the next (and may
     * throw to refuse); retried when another writer got there first. Empty when it kept changing (5 attempts).
     */
    private static java.util.Optional<ClusterConfig> updateConfig(RpcClient client, String via,
            java.util.function.UnaryOperator<ClusterConfig> change) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            JsonNode doc = Commands.JSON.readTree(client.call(via, "zeus.read", Commands.write(Map.of("document", ClusterConfig.DOCUMENT)),
                    Duration.ofSeconds(20)));
            ClusterConfig next = change.apply(Commands.JSON.readValue(doc.get("data").asText(), ClusterConfig.class));
            try {
                client.call(via, "zeus.write", Commands.write(Map.of("document", ClusterConfig.DOCUMENT, "expectedVersion",
                        doc.get("version").asInt(), "data", Commands.JSON.writeValueAsString(next))), Duration.ofSeconds(20));
                return java.util.Optional.of(next);
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * {@code <admin>/servers}: the cluster's node addresses, one a line, where {@code ncli} and
     * {@code acli} look for Prism when neither {@code --server} nor {@code CAIRN_PRISM} is given.
     */
    static void writeServers(Path admin, List<String> ips) {
        try {
            Files.createDirectories(admin);
            Files.writeString(admin.resolve("servers"), String.join("\n", ips) + "\n");
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot write " + admin.resolve("servers") + ": " + e.getMessage());
        }
    }

    private static PublicKey publicKey(String b64, String ip) {
        try {
            byte[] der = Base64.getDecoder().decode(b64);
            String alg = "EC";
            return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
        } catch (Exception e) {
            throw new CairnException(ErrorCode.INTERNAL, ip + " sent a public key that cannot be read: " + e.getMessage());
        }
    }

    static String pem(java.security.cert.X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
