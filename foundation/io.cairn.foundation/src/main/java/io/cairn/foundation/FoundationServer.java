package io.cairn.foundation;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.PowerState;
import io.cairn.image.ImageMetadata;
import io.cairn.image.ImageVerifier;
import io.cairn.image.SigningKeys;

/**
 * Foundation's REST API and web GUI ({@code foundation serve}): the wizard at {@code /gui/index.html}
 * and, under {@code /foundation/v1}, the resources it uses:
 * <ul>
 * <li>{@code GET nodes}: the nodes of the node folder (bare and factory ones; configured nodes are
 * not offered) with serial, block, position, state, power, address and data disks;</li>
 * <li>{@code GET layout?home=H&rf=2|3}: the device layout (spec 10 §7) of node H's disks for that
 * highest container RF: per disk its layers with offsets and sizes, as imaging partitions them;</li>
 * <li>{@code GET images}: the installer store (signed appliance images; each with its version and
 * compatible hypervisors, or why it was refused);</li>
 * <li>{@code PUT images/{file}}: uploads one file of an image into the installer store — the archive
 * ({@code .tar.gz}), its {@code .metadata.json} and {@code .metadata.json.sig}; written atomically
 * (a half-sent upload leaves nothing); the image is offered once all three are there and verify;</li>
 * <li>{@code POST node/reimage {"archive": FILE}} (in a node only): the node verifies FILE of its store, installs it
 * into its passive slot and restarts into it ({@link SelfReimage}); 409 with the reason when refused (unchanged);</li>
 * <li>{@code POST validate} (the cluster.json form) → {@code {"problems": [{"field", "message"}]}};</li>
 * <li>{@code POST runs} (the form) → 202 {@code {"id"}}: validation, imaging and creation in the
 * background; {@code GET runs/{id}}: state, per-node phase, cluster lines and, when done, Prism's
 * address and the admin password (in the first answer after creation only).</li>
 * </ul>
 * Errors are JSON {@code {"code", "message"}} with 4xx; nothing is stack-traced to the client.
 * Paths in the form are resolved against the node folder.
 */
public final class FoundationServer implements AutoCloseable {

    private final HttpServer http;
    private final Path nodes;
    private final Path store;
    private final Path trust;
    private final Clock clock;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    /** The node this Foundation runs in ({@code GET /foundation/v1/node}); null when stand-alone. */
    private volatile java.util.function.Supplier<JsonNode> self;

    public FoundationServer(InetSocketAddress listen, Path nodes, Path store, Path trust, Clock clock) throws IOException {
        this.nodes = nodes.toAbsolutePath().normalize();
        this.store = store.toAbsolutePath().normalize();
        this.trust = trust.toAbsolutePath().normalize();
        this.clock = clock;
        this.http = HttpServer.create(listen, 64);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", this::handle);
    }

    public void start() {
        http.start();
    }

    /** The node this Foundation runs in re-images itself ({@code POST /foundation/v1/node/reimage}); null when stand-alone. */
    private volatile SelfReimage reimage;

    /** Serves {@code POST /foundation/v1/node/reimage} with {@code r} (the node this Foundation runs in). */
    FoundationServer reimage(SelfReimage r) {
        this.reimage = r;
        return this;
    }

    /** Serves {@code GET /foundation/v1/node} from {@code node} (the node this Foundation runs in). */
    public FoundationServer self(java.util.function.Supplier<JsonNode> node) {
        this.self = node;
        return this;
    }

    /** How long a finished run keeps {@link #busy} true until its result has been fetched. */
    static final long RESULT_GRACE_NANOS = 60_000_000_000L;

    /**
     * True while a run is in progress, or has ended less than 60 s ago and nobody fetched its result
     * ({@code GET runs/{id}} after the end: the Prism address, the admin password shown once). A node
     * whose own Foundation forms its cluster keeps answering until then ({@link FactoryOnly}).
     */
    public boolean busy() {
        long now = clock.nanoTime();
        for (Run r : runs.values()) {
            if (r.busy(now)) {
                return true;
            }
        }
        return false;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            if (path.equals("/") || path.equals("/gui") || path.equals("/gui/")) {
                x.getResponseHeaders().add("Location", "/gui/index.html");
                x.sendResponseHeaders(302, -1);
            } else if (path.startsWith("/gui/")) {
                gui(x, path.substring("/gui/".length()));
            } else if (path.equals("/foundation/v1/nodes") && method.equals("GET")) {
                json(x, 200, nodeList());
            } else if (path.equals("/foundation/v1/node") && method.equals("GET")) {
                java.util.function.Supplier<JsonNode> s = self;
                if (s == null) {
                    error(x, 404, "NOT_FOUND", "this Foundation runs stand-alone (foundation serve), not in a node");
                } else {
                    json(x, 200, s.get());
                }
            } else if (path.equals("/foundation/v1/layout") && method.equals("GET")) {
                json(x, 200, layout(x.getRequestURI().getRawQuery()));
            } else if (path.startsWith("/foundation/v1/images/") && method.equals("PUT")) {
                json(x, 201, upload(x, path.substring("/foundation/v1/images/".length())));
            } else if (path.equals("/foundation/v1/images") && method.equals("GET")) {
                json(x, 200, images());
            } else if (method.equals("POST") && !x.getRequestHeaders().getOrDefault("Content-Type", java.util.List.of("")).get(0)
                    .startsWith("application/json")) {
                // a browser sends application/json to another origin only after a CORS preflight, which is never granted
                error(x, 415, "UNSUPPORTED_MEDIA_TYPE", "send the form as Content-Type: application/json");
            } else if (path.equals("/foundation/v1/node/reimage") && method.equals("POST")) {
                SelfReimage r = reimage;
                if (r == null) {
                    error(x, 404, "NOT_FOUND", "this Foundation runs stand-alone (foundation serve), not in a node: it re-images no node itself");
                } else {
                    try {
                        json(x, 202, r.run(body(x).path("archive").asText(null)));
                    } catch (SelfReimage.Refused e) {
                        error(x, 409, "FAILED_PRECONDITION", e.getMessage());
                    }
                }
            } else if (path.equals("/foundation/v1/validate") && method.equals("POST")) {
                json(x, 200, validate(body(x)));
            } else if (path.equals("/foundation/v1/runs") && method.equals("POST")) {
                json(x, 202, start(body(x)));
            } else if (path.startsWith("/foundation/v1/runs/") && method.equals("GET")) {
                Run r = runs.get(path.substring("/foundation/v1/runs/".length()));
                if (r == null) {
                    error(x, 404, "NOT_FOUND", "no run " + path.substring("/foundation/v1/runs/".length()) + "; start one with POST /foundation/v1/runs");
                } else {
                    json(x, 200, r.view());
                }
            } else if (path.startsWith("/foundation/v1/")) {
                error(x, 404, "NOT_FOUND", method + " " + path + " is not a Foundation resource (nodes, node, layout, images, validate, runs)");
            } else {
                error(x, 404, "NOT_FOUND", path + " not found; the GUI is at /gui/index.html");
            }
        } catch (BadRequest e) {
            error(x, 400, "INVALID_ARGUMENT", e.getMessage());
        } catch (RuntimeException e) {
            error(x, 500, "INTERNAL", "Foundation failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } finally {
            x.close(); // after the answer: closing an exchange that has not answered drops the connection
        }
    }

    private void gui(HttpExchange x, String file) throws IOException {
        String type = file.endsWith(".html") ? "text/html; charset=utf-8" : file.endsWith(".js") ? "text/javascript; charset=utf-8"
                : file.endsWith(".css") ? "text/css; charset=utf-8" : null;
        InputStream in = type == null || file.contains("/") || file.contains("..") ? null
                : FoundationServer.class.getResourceAsStream("/gui/" + file);
        if (in == null) {
            error(x, 404, "NOT_FOUND", "/gui/" + file + " not found; the GUI is at /gui/index.html");
            return;
        }
        byte[] b;
        try (in) {
            b = in.readAllBytes();
        }
        x.getResponseHeaders().add("Content-Type", type);
        x.getResponseHeaders().add("Cache-Control", "no-store");
        x.sendResponseHeaders(200, b.length);
        x.getResponseBody().write(b);
    }

    private ArrayNode nodeList() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        List<Path> homes = new ArrayList<>();
        try (Stream<Path> s = Files.list(nodes)) {
            s.filter(p -> Files.isRegularFile(p.resolve(NodeHome.MANIFEST))).sorted().forEach(homes::add);
        } catch (IOException e) {
            throw new BadRequest("cannot list the node folder " + nodes + ": " + e.getMessage());
        }
        for (Path home : homes) {
            NodeHome h = NodeHome.open(home);
            if (h.state() == NodeHome.State.CONFIGURED) {
                continue;
            }
            ObjectNode n = out.addObject();
            n.put("home", nodes.relativize(home).toString());
            n.put("serial", h.serial());
            n.put("block", h.block());
            n.put("position", h.position());
            n.put("state", h.state().label());
            String power;
            try {
                power = h.bmc(clock, Ipmi.access(clock)).powerState() == PowerState.ON ? "on" : "off";
            } catch (Exception e) {
                power = "unknown";
            }
            n.put("power", power);
            n.put("address", h.address().orElse(null));
            ArrayNode disks = n.putArray("disks");
            try {
                h.disks().forEach(d -> disks.addObject().put("serial", d.serial()).put("kind", d.kind().name()).put("size_bytes", d.sizeBytes()));
            } catch (FoundationException e) {
                n.put("disks_error", e.getMessage());
            }
        }
        return out;
    }

    /** The device layout of one node of the folder ({@code home=NAME&rf=2|3}). */
    private com.fasterxml.jackson.databind.JsonNode layout(String query) {
        Map<String, String> q = new java.util.HashMap<>();
        if (query != null) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        String name = q.get("home");
        if (name == null || name.isBlank()) {
            throw new BadRequest("give the node: GET /foundation/v1/layout?home=<node folder name>&rf=2 (the home field of GET nodes)");
        }
        Path home = nodes.resolve(name).normalize();
        if (!home.startsWith(nodes) || !Files.isRegularFile(home.resolve(NodeHome.MANIFEST))) {
            throw new BadRequest("no node '" + name + "' in " + nodes + "; GET /foundation/v1/nodes lists them");
        }
        String rf = q.getOrDefault("rf", "2");
        if (!rf.equals("2") && !rf.equals("3")) {
            throw new BadRequest("rf must be 2 or 3 (the highest container replication factor), not '" + rf + "'");
        }
        List<io.cairn.foundation.disks.NodeDisks.Disk> disks = NodeHome.open(home).disks();
        if (disks.isEmpty()) {
            throw new BadRequest("node '" + name + "' has no data disks in its node.json (its data disk is a directory)");
        }
        try {
            return Json.MAPPER.valueToTree(io.cairn.foundation.disks.NodeDisks.plan(disks, Integer.parseInt(rf)));
        } catch (io.cairn.common.error.CairnException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static final java.util.regex.Pattern IMAGE_FILE =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.(tar\\.gz|metadata\\.json|metadata\\.json\\.sig)");
    private static final long MAX_UPLOAD_BYTES = 8L << 30;

    /** Stores one uploaded image file in the installer store (temporary file, then an atomic rename). */
    private ObjectNode upload(HttpExchange x, String name) throws IOException {
        if (!IMAGE_FILE.matcher(name).matches() || name.contains("..")) {
            throw new BadRequest("'" + name + "' is not an image file name: upload NAME.tar.gz, NAME.metadata.json and "
                    + "NAME.metadata.json.sig (letters, digits, '.', '_', '-')");
        }
        Path tmp = Files.createTempFile(store, ".upload-", ".part");
        long n = 0;
        try (java.io.InputStream in = x.getRequestBody(); java.io.OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0;) {
                n += r;
                if (n > MAX_UPLOAD_BYTES) {
                    throw new BadRequest(name + " is larger than " + (MAX_UPLOAD_BYTES >> 30) + " GiB; that is no Cairn image");
                }
                out.write(buf, 0, r);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (n == 0) {
            Files.deleteIfExists(tmp);
            throw new BadRequest(name + " is empty; send the file as the request body");
        }
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, store.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("file", name);
        out.put("bytes", n);
        return out;
    }

    private ArrayNode images() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        List<Path> archives = new ArrayList<>();
        try (Stream<Path> s = Files.list(store)) {
            s.filter(p -> p.getFileName().toString().endsWith(".tar.gz")).sorted().forEach(archives::add);
        } catch (IOException e) {
            return out;
        }
        for (Path a : archives) {
            ObjectNode i = out.addObject();
            i.put("archive", a.toString());
            try {
                ImageVerifier v = new ImageVerifier(SigningKeys.trusted(trust));
                Path meta = ImageVerifier.defaultMetadata(a);
                ImageMetadata m = v.verifyMetadata(meta, ImageVerifier.defaultSignature(meta)).metadata();
                i.put("name", m.name());
                i.put("version", m.version());
                i.set("hypervisors", Json.MAPPER.valueToTree(m.compatibleHypervisors()));
                i.put("signed", true);
            } catch (Exception e) {
                i.put("signed", false);
                i.put("refused", e.getMessage());
            }
        }
        return out;
    }

    private ClusterPlan plan(JsonNode form) {
        ObjectNode f = form.deepCopy();
        if (!f.has("image")) {
            throw new BadRequest("the form has no image; pick one of GET /foundation/v1/images");
        }
        if (f.get("image").isObject() && !f.get("image").has("trust")) {
            ((ObjectNode) f.get("image")).put("trust", trust.toString());
        }
        return ClusterPlan.parse(f, nodes);
    }

    private ObjectNode validate(JsonNode form) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode problems = out.putArray("problems");
        try {
            for (ClusterPlan.Problem p : new Validator(new NetworkProbe(1000)).validate(plan(form)).problems()) {
                problems.addObject().put("field", p.field()).put("message", p.message());
            }
        } catch (ClusterPlan.Invalid e) {
            e.problems().forEach(p -> problems.addObject().put("field", p.field()).put("message", p.message()));
        }
        return out;
    }

    private synchronized ObjectNode start(JsonNode form) {
        ClusterPlan plan;
        try {
            plan = plan(form);
        } catch (ClusterPlan.Invalid e) {
            throw new BadRequest(e.getMessage());
        }
        if (runs.values().stream().anyMatch(r -> r.state.equals("running"))) {
            throw new BadRequest("a run is in progress already; wait for it (GET /foundation/v1/runs/{id})");
        }
        Run r = new Run(UUID.randomUUID().toString(), plan);
        runs.put(r.id, r);
        Thread.ofVirtual().name("foundation-run-" + r.id).start(() -> r.execute(clock));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", r.id);
        return out;
    }

    private static JsonNode body(HttpExchange x) throws IOException {
        byte[] b = x.getRequestBody().readNBytes(1 << 20);
        if (b.length >= 1 << 20) {
            throw new BadRequest("the form is larger than 1 MiB");
        }
        try {
            JsonNode n = Json.MAPPER.readTree(b);
            if (n == null || !n.isObject()) {
                throw new BadRequest("the body must be a JSON object (the cluster.json form)");
            }
            return n;
        } catch (IOException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static void json(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] b = Json.MAPPER.writeValueAsBytes(body);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.getResponseHeaders().add("Cache-Control", "no-store");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    private static void error(HttpExchange x, int status, String code, String message) throws IOException {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("code", code);
        e.put("message", message);
        json(x, status, e);
    }

    /** One imaging run and what it reported. */
    private static final class Run implements Foundation.Listener {
        final String id;
        final ClusterPlan plan;
        final Map<Integer, Foundation.NodeStatus> nodes = new ConcurrentHashMap<>();
        final List<String> lines = new ArrayList<>();
        volatile String state = "running";
        volatile String error;
        volatile Foundation.Outcome outcome;
        private long endedNanos;
        private boolean resultFetched;
        private boolean passwordShown;
        private String password;

        Run(String id, ClusterPlan plan) {
            this.id = id;
            this.plan = plan;
        }

        void execute(Clock clock) {
            try {
                Foundation.Outcome o = new Foundation(clock, Ipmi.access(clock), new NetworkProbe(1000), this).run(plan);
                synchronized (this) {
                    outcome = o;
                    state = "succeeded";
                    endedNanos = clock.nanoTime();
                }
            } catch (Throwable e) {
                synchronized (this) {
                    error = e.getMessage() == null ? e.toString() : e.getMessage();
                    state = "failed";
                    endedNanos = clock.nanoTime();
                }
            }
        }

        synchronized boolean busy(long now) {
            return state.equals("running") || !resultFetched && now - endedNanos < RESULT_GRACE_NANOS;
        }

        @Override
        public synchronized void password(String password) {
            this.password = password;
        }

        @Override
        public void node(Foundation.NodeStatus s) {
            nodes.put(s.index(), s);
        }

        @Override
        public synchronized void cluster(String line) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }

        synchronized ObjectNode view() {
            ObjectNode v = Json.MAPPER.createObjectNode();
            v.put("id", id);
            v.put("state", state);
            if (!state.equals("running")) {
                resultFetched = true;
            }
            v.put("cluster", plan.name());
            if (error != null) {
                v.put("error", error);
            }
            ArrayNode ns = v.putArray("nodes");
            for (ClusterPlan.NodePlan n : plan.nodes()) {
                Foundation.NodeStatus s = nodes.get(n.index());
                ObjectNode o = ns.addObject();
                o.put("index", n.index());
                o.put("home", n.home().getFileName().toString());
                o.put("ip", n.cvmIp());
                o.put("phase", s == null ? Foundation.Phase.WAITING.name() : s.phase().name());
                o.put("label", s == null ? Foundation.Phase.WAITING.label() : s.phase().label());
                o.put("step", s == null ? 0 : s.phase() == Foundation.Phase.FAILED ? -1 : s.phase().ordinal());
                o.put("steps", Foundation.Phase.READY.ordinal());
                if (s != null && s.message() != null) {
                    o.put("message", s.message());
                }
            }
            if (password != null && !passwordShown) {
                v.put("admin_password", password); // shown once, as the CLI does (also when a later step failed)
                passwordShown = true;
            }
            v.set("lines", Json.MAPPER.valueToTree(List.copyOf(lines.subList(Math.max(0, lines.size() - 200), lines.size()))));
            if (outcome != null) {
                ObjectNode o = v.putObject("result");
                o.put("created", outcome.created());
                o.put("prism", outcome.prismUrl());
                o.put("admin", outcome.admin().toString());
                o.put("fault_tolerance", outcome.faultTolerance() == null ? null : ProgressPrinter.faultTolerance(outcome.faultTolerance()));

                o.set("millis", Json.MAPPER.valueToTree(new LinkedHashMap<>(outcome.clusterMillis())));
            }
            return v;
        }
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }
}
