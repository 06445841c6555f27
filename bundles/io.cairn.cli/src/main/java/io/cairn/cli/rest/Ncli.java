package io.cairn.cli.rest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code ncli} (spec 10 §18) over Prism's REST API only: {@code ncli [connection options] [--json=true | -o json]
 * <entity> <action> [key=value ...]}, or a shell reading one command per line when no command is given.
 * Exit 0 on success, 1 when the cluster refuses or fails, 2 when the command line is not understood.
 */
public final class Ncli {

    static final String CONNECTION_HELP = """
            connection: --server HOST[:PORT] (or CAIRN_PRISM; default: the nodes in <admin dir>/servers), --cacert FILE (default:
              <admin dir>/ca.pem), --user NAME (or CAIRN_USER; password from CAIRN_PASSWORD or asked for), else the admin
              certificate of the admin dir (--admin DIR, CAIRN_ADMIN, default ~/.cairn/admin); --json=true or -o json: JSON output
            """;

    /** One key of a command: its name, the other names it accepts, whether it must be given. */
    record Key(String name, boolean required, String... aliases) {
        boolean matches(String k) {
            return name.equals(k) || Arrays.asList(aliases).contains(k);
        }
    }

    /** What a command printed: entities (blocks / a JSON array or object) or a message (text / JSON). */
    record Result(List<JsonNode> entities, boolean single, String text, JsonNode json) {
        static Result list(List<JsonNode> entities) {
            return new Result(entities, false, null, null);
        }

        static Result one(JsonNode entity) {
            return new Result(List.of(entity), true, null, null);
        }

        static Result message(String text, JsonNode json) {
            return new Result(null, false, text, json);
        }
    }

    interface Handler {
        Result run(Run run, Map<String, String> kv);
    }

    record Command(String entity, String action, List<String> aliases, List<Key> keys, String help, Handler handler) {
        String syntax() {
            StringBuilder b = new StringBuilder(entity + " " + action);
            for (Key k : keys) {
                b.append(' ').append(k.required() ? "" : "[").append(k.name()).append("=").append(k.name().toUpperCase().replace('-', '_'))
                        .append(k.required() ? "" : "]");
            }
            return b.toString();
        }
    }

    static final List<Command> COMMANDS = List.of(
            cmd("cluster", "info", List.of("get"), List.of(), "the cluster: name, uuid, id, fault tolerance, nodes, role leaders",
                    (r, kv) -> Result.one(r.client().get("/cluster"))),
            cmd("cluster", "version", List.of(), List.of(), "the software version the nodes run", Ncli::version),
            cmd("cluster", "edit-params", List.of(), List.of(new Key("external-ip-address", true)),
                    "set the cluster virtual IP (Prism answers on it; the leader holds it)", Ncli::editParams),
            cmd("cluster", "discover-nodes", List.of(), List.of(), "factory-state nodes the cluster finds (IPv6 link-local multicast, "
                    + "loopback registry); the UUID is field 4 of the Node Uuid line", Ncli::discoverNodes),
            cmd("cluster", "add-node", List.of(), List.of(new Key("node-uuid", true), new Key("cvm-ip", false)), "add a discovered "
                    + "node (brought to the cluster's version first if it runs another); signs its keys with the cluster CA, so it "
                    + "needs the admin directory holding the CA key (over the nodes' RPC port, not REST)", Ncli::addNode),
            cmd("host", "ls", List.of("list"), List.of(new Key("id", false)), "the cluster's nodes: address, rack, block, state, version",
                    (r, kv) -> kv.containsKey("id") ? Result.one(r.client().get("/hosts/" + enc(kv.get("id"))))
                            : Result.list(r.client().list("/hosts", ""))),
            cmd("disk", "ls", List.of("list"), List.of(), "the data disks of the storage pool", (r, kv) -> Result.list(r.client().list("/disks", ""))),
            cmd("sp", "ls", List.of("list"), List.of(new Key("name", false)), "the storage pool: capacity, use, disks", (r, kv) -> {
                JsonNode sp = r.client().get("/storage_pools/default");
                if (kv.containsKey("name") && !kv.get("name").equals(sp.path("spec").path("name").asText())) {
                    throw CliException.failed("no storage pool named '" + kv.get("name") + "'; the cluster has one: '"
                            + sp.path("spec").path("name").asText() + "'");
                }
                return Result.list(List.of(sp));
            }),
            cmd("ctr", "ls", List.of("list"), List.of(new Key("name", false)), "containers: replication factor, reservation, use",
                    (r, kv) -> kv.containsKey("name") ? Result.one(r.client().get("/containers/" + enc(kv.get("name"))))
                            : Result.list(r.client().list("/containers", ""))),
            cmd("ctr", "create", List.of("add"), List.of(new Key("name", true), new Key("sp-name", false), new Key("rf", false,
                    "replication-factor"), new Key("res-capacity", false), new Key("adv-capacity", false)),
                    "create a container (rf 1-3, default 2; res-capacity and adv-capacity are sizes like 100G)", Ncli::createContainer),
            cmd("ctr", "remove", List.of("rm", "delete"), List.of(new Key("name", true)), "delete an empty container", (r, kv) -> {
                r.client().delete("/containers/" + enc(kv.get("name")));
                return done("Container '" + kv.get("name") + "' deleted.");
            }),
            cmd("vdisk", "ls", List.of("list"), List.of(new Key("ctr", false, "ctr-name", "container"), new Key("name", false),
                    new Key("id", false)), "vDisks (of one container): size, owner, replication factor", (r, kv) -> {
                        if (kv.containsKey("id")) {
                            return Result.one(r.client().get("/vdisks/" + enc(kv.get("id"))));
                        }
                        return Result.list(r.client().list("/vdisks", vdiskFilter(kv)));
                    }),
            cmd("vdisk", "create", List.of("add"), List.of(new Key("ctr", true, "ctr-name", "container"), new Key("name", true),
                    new Key("size", true, "max-capacity")), "create a thin vDisk (size in bytes or with K, M, G, T: 10G)", (r, kv) -> {
                        ObjectNode body = JsonNodeFactory.instance.objectNode();
                        body.putObject("spec").put("name", kv.get("name")).put("container", kv.get("ctr")).put("size_bytes",
                                Sizes.parse("size", kv.get("size"), 1));
                        return Result.one(r.client().post("/vdisks", body));
                    }),
            cmd("vdisk", "resize", List.of("edit"), List.of(new Key("ctr", false, "ctr-name", "container"), new Key("name", false),
                    new Key("id", false), new Key("size", true, "max-capacity")), "grow a vDisk (ctr= name= or id=)", Ncli::resizeVDisk),
            cmd("vdisk", "remove", List.of("rm", "delete"), List.of(new Key("ctr", false, "ctr-name", "container"), new Key("name", false),
                    new Key("id", false)), "delete a vDisk and its data (ctr= name= or id=)", (r, kv) -> {
                        JsonNode v = findVDisk(r, kv);
                        r.client().delete("/vdisks/" + enc(v.path("metadata").path("uuid").asText()));
                        return done("VDisk '" + v.path("spec").path("name").asText() + "' deleted.");
                    }),
            cmd("user", "ls", List.of("list"), List.of(new Key("user-name", false, "name")), "local users: roles, password state",
                    (r, kv) -> kv.containsKey("user-name") ? Result.one(r.client().get("/users/" + enc(kv.get("user-name"))))
                            : Result.list(r.client().list("/users", ""))),
            cmd("user", "create", List.of("add"), List.of(new Key("user-name", true, "name"), new Key("roles", false, "role")),
                    "create a local user (roles: viewer, operator, cluster-admin, comma-separated); the password comes from "
                            + "CAIRN_NEW_PASSWORD or is asked for", Ncli::createUser),
            cmd("user", "remove", List.of("rm", "delete"), List.of(new Key("user-name", true, "name")), "delete a local user", (r, kv) -> {
                r.client().delete("/users/" + enc(kv.get("user-name")));
                return done("User '" + kv.get("user-name") + "' deleted.");
            }),
            cmd("user", "change-password", List.of(), List.of(new Key("user-name", false, "name")),
                    "change your password (current: CAIRN_PASSWORD or asked; new: CAIRN_NEW_PASSWORD or asked)", Ncli::changePassword),
            cmd("role", "ls", List.of("list"), List.of(new Key("name", false)), "built-in and custom roles and their permissions",
                    (r, kv) -> kv.containsKey("name") ? Result.one(r.client().get("/roles/" + enc(kv.get("name"))))
                            : Result.list(r.client().list("/roles", ""))),
            cmd("task", "ls", List.of("list"), List.of(new Key("state", false)), "tasks (state: QUEUED, RUNNING, SUCCEEDED, FAILED, ABORTED)",
                    (r, kv) -> Result.list(r.client().list("/tasks", kv.containsKey("state")
                            ? "filter=" + enc("status.state==" + kv.get("state").toUpperCase(java.util.Locale.ROOT)) : ""))),
            cmd("task", "get", List.of(), List.of(new Key("id", true, "uuid")), "one task", (r, kv) -> Result.one(r.client().get("/tasks/"
                    + enc(kv.get("id"))))),
            cmd("task", "abort", List.of("cancel"), List.of(new Key("id", true, "uuid")), "abort a queued or running task", (r, kv) -> {
                JsonNode t = r.client().post("/tasks/" + enc(kv.get("id")) + "/abort", JsonNodeFactory.instance.objectNode());
                return t.isObject() && t.has("metadata") ? Result.one(t) : done("Task " + kv.get("id") + " aborted.");
            }),
            cmd("alert", "ls", List.of("list"), List.of(), "alerts (warning and critical)", (r, kv) -> Result.list(r.client().list("/alerts", ""))),
            cmd("alert", "get", List.of(), List.of(new Key("id", true)), "one alert", (r, kv) -> Result.one(r.client().get("/alerts/"
                    + enc(kv.get("id"))))),
            cmd("alert", "acknowledge", List.of("ack"), List.of(new Key("id", true, "ids")), "acknowledge an alert", (r, kv) -> {
                JsonNode a = r.client().post("/alerts/" + enc(kv.get("id")) + "/acknowledge", JsonNodeFactory.instance.objectNode());
                return a.isObject() && a.has("metadata") ? Result.one(a) : done("Alert " + kv.get("id") + " acknowledged.");
            }),
            cmd("event", "ls", List.of("list"), List.of(), "events (every entry, informational ones too)",
                    (r, kv) -> Result.list(r.client().list("/events", ""))),
            cmd("rsyslog-config", "add-server", List.of("create-server"), List.of(new Key("name", true, "server-name"), new Key("ip-address",
                    true), new Key("port", false), new Key("network-protocol", true), new Key("ca-certificate-file", false)),
                    "forward the audit log to a remote syslog server (network-protocol: udp, tcp, tls; port: 514, tls 6514 by default; tls trusts ca-certificate-file "
                            + "(PEM) or the JVM's CAs); records are sent once the server has the AUDIT module (add-module)", Ncli::addSyslogServer),
            cmd("rsyslog-config", "ls-servers", List.of("ls", "list-servers"), List.of(new Key("name", false, "server-name")),
                    "the remote syslog servers and their modules", (r, kv) -> kv.containsKey("name")
                            ? Result.one(r.client().get("/audit/syslog-servers/" + enc(kv.get("name"))))
                            : Result.list(r.client().list("/audit/syslog-servers", ""))),
            cmd("rsyslog-config", "remove-server", List.of("delete-server"), List.of(new Key("name", true, "server-name")),
                    "stop forwarding to a syslog server", (r, kv) -> {
                        r.client().delete("/audit/syslog-servers/" + enc(kv.get("name")));
                        return done("Syslog server '" + kv.get("name") + "' removed.");
                    }),
            cmd("rsyslog-config", "add-module", List.of(), List.of(new Key("server-name", true), new Key("module-name", true),
                    new Key("level", false)), "send a module to a syslog server (module-name: AUDIT; level: the lowest severity sent, "
                            + "INFO by default)", (r, kv) -> editModules(r, kv, true)),
            cmd("rsyslog-config", "remove-module", List.of("delete-module"), List.of(new Key("server-name", true), new Key("module-name", true)),
                    "stop sending a module to a syslog server", (r, kv) -> editModules(r, kv, false)),
            cmd("helpsys", "listall", List.of(), List.of(new Key("hidden", false), new Key("detailed", false)), "list every command",
                    (r, kv) -> helpAll()));

    private static Command cmd(String entity, String action, List<String> aliases, List<Key> keys, String help, Handler h) {
        return new Command(entity, action, aliases, keys, help, h);
    }

    private static Result done(String text) {
        return Result.message(text, JsonNodeFactory.instance.objectNode().put("status", "ok").put("message", text));
    }

    /** One run: the connection (made on first use) and the terminal. */
    static final class Run {
        final Connection connection;
        final Terminal terminal;
        private PrismClient client;
        private char[] loginPassword;

        Run(Connection connection, Terminal terminal) {
            this.connection = connection;
            this.terminal = terminal;
        }

        PrismClient client() {
            if (client == null) {
                client = connection.client(this::loginPassword);
            }
            return client;
        }

        char[] loginPassword(String user) {
            if (loginPassword == null) {
                loginPassword = terminal.secret("CAIRN_PASSWORD", "Password for " + user + ": ", false);
            }
            return loginPassword.clone();
        }
    }

    private Ncli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out, System.err,
                Terminal.system()));
    }

    static int run(String[] argv, BufferedReader in, PrintStream out, PrintStream err, Terminal terminal) {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        Run run;
        boolean[] json = {false};
        try {
            if (args.contains("--help") || args.contains("-h")) {
                out.print(usage());
                return 0;
            }
            Connection c = Connection.parse(args, terminal.env);
            json[0] = jsonFlag(args);
            run = new Run(c, terminal);
        } catch (CliException e) {
            err.println("ncli: " + e.getMessage());
            return e.exitCode();
        }
        if (args.isEmpty()) {
            try {
                return Terminal.shell(in, out, err, "ncli> ", words -> {
                    List<String> w = new ArrayList<>(words);
                    boolean j = json[0];
                    try {
                        j = jsonFlag(w) || j;
                    } catch (CliException e) {
                        err.println("ncli: " + e.getMessage());
                        return e.exitCode();
                    }
                    return execute(run, w, j, out, err);
                });
            } catch (IOException e) {
                err.println("ncli: cannot read commands: " + e.getMessage());
                return 1;
            }
        }
        return execute(run, args, json[0], out, err);
    }

    /** Takes {@code --json=true|false}, {@code --json}, {@code -o json|text} out of {@code args}. */
    static boolean jsonFlag(List<String> args) {
        boolean json = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--json") || a.equalsIgnoreCase("--json=true")) {
                json = true;
            } else if (a.equalsIgnoreCase("--json=false")) {
                json = false;
            } else if (a.equals("-o") || a.startsWith("-o=") || a.equals("--output")) {
                String v = a.startsWith("-o=") ? a.substring(3) : i + 1 < args.size() ? args.remove(i + 1) : "";
                if (!v.equals("json") && !v.equals("text")) {
                    throw CliException.usage("-o takes json or text, not '" + v + "'");
                }
                json = v.equals("json");
            } else if (a.startsWith("-")) {
                throw CliException.usage("unknown option '" + a + "'");
            } else {
                continue;
            }
            args.remove(i--);
        }
        return json;
    }

    static int execute(Run run, List<String> words, boolean json, PrintStream out, PrintStream err) {
        try {
            Command c = find(words);
            Map<String, String> kv = keyValues(c, words.subList(2, words.size()));
            Result r = c.handler().run(run, kv);
            print(r, json, out);
            return 0;
        } catch (CliException e) {
            err.println("ncli: " + e.getMessage());
            if (e.exitCode() == CliException.USAGE) {
                err.println("'ncli helpsys listall' lists the commands");
            }
            return e.exitCode();
        } catch (RuntimeException e) {
            err.println("ncli: " + String.join(" ", words) + " failed: " + e);
            return CliException.FAILED;
        }
    }

    static Command find(List<String> words) {
        if (words.isEmpty()) {
            throw CliException.usage("missing the entity, e.g. ncli ctr ls");
        }
        String entity = words.get(0);
        List<Command> of = COMMANDS.stream().filter(c -> c.entity().equals(entity)).toList();
        if (of.isEmpty()) {
            throw CliException.usage("unknown entity '" + entity + "' (there are: " + String.join(", ",
                    new TreeSet<>(COMMANDS.stream().map(Command::entity).toList())) + ")");
        }
        String actions = String.join(", ", of.stream().map(Command::action).toList());
        if (words.size() < 2) {
            throw CliException.usage("ncli " + entity + " needs an action: " + actions);
        }
        String action = words.get(1);
        return of.stream().filter(c -> c.action().equals(action) || c.aliases().contains(action)).findFirst().orElseThrow(
                () -> CliException.usage("unknown action '" + action + "' for " + entity + " (it has: " + actions + ")"));
    }

    /** {@code key=value} words, checked against the command's keys (aliases become the key's name). */
    static Map<String, String> keyValues(Command c, List<String> words) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("'" + w + "' is not key=value (e.g. name=ctr1)");
            }
            String k = w.substring(0, eq);
            Key key = c.keys().stream().filter(x -> x.matches(k)).findFirst().orElseThrow(() -> CliException.usage("unknown key '" + k
                    + "' for " + c.entity() + " " + c.action() + (c.keys().isEmpty() ? " (it takes none)" : " (it takes: " + String.join(", ",
                            c.keys().stream().map(Key::name).toList()) + ")")));
            if (kv.containsKey(key.name())) {
                throw CliException.usage("'" + k + "' is given twice");
            }
            if (eq == w.length() - 1) {
                throw CliException.usage("'" + w + "' has no value");
            }
            kv.put(key.name(), w.substring(eq + 1));
        }
        for (Key k : c.keys()) {
            if (k.required() && !kv.containsKey(k.name())) {
                throw CliException.usage(c.entity() + " " + c.action() + " needs " + k.name() + "=...: ncli " + c.syntax());
            }
        }
        return kv;
    }

    static void print(Result r, boolean json, PrintStream out) {
        if (r.text() != null) {
            out.println(json ? pretty(r.json()) : r.text());
            return;
        }
        if (json) {
            if (r.single()) {
                out.println(pretty(r.entities().get(0)));
            } else {
                ArrayNode a = JsonNodeFactory.instance.arrayNode();
                r.entities().forEach(a::add);
                out.println(pretty(a));
            }
            return;
        }
        if (r.entities().isEmpty()) {
            out.println("[None]");
            return;
        }
        out.print(Output.blocks(r.entities().stream().map(Output::rows).toList()));
    }

    static String pretty(JsonNode n) {
        try {
            return PrismClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String usage() {
        StringBuilder b = new StringBuilder("usage: ncli [connection] [--json=true | -o json] ENTITY ACTION [key=value ...]   (no command: a shell)\n");
        for (Command c : COMMANDS) {
            b.append("  ").append(c.syntax()).append('\n');
        }
        return b + CONNECTION_HELP;
    }

    private static Result helpAll() {
        List<JsonNode> rows = new ArrayList<>();
        for (Command c : COMMANDS) {
            ObjectNode spec = JsonNodeFactory.instance.objectNode().put("command", "ncli " + c.syntax()).put("description", c.help());
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.set("spec", spec);
            rows.add(n);
        }
        return Result.list(rows);
    }

    private static Result version(Run r, Map<String, String> kv) {
        Set<String> versions = new TreeSet<>();
        r.client().list("/hosts", "").forEach(h -> versions.add(h.path("status").path("software_version").asText("unknown")));
        String v = String.join(", ", versions);
        return Result.message(Output.blocks(List.of(List.of(new Output.Row("Cluster Version", v)))).stripTrailing(),
                JsonNodeFactory.instance.objectNode().put("version", v));
    }

    /** Spec 10 §6 layout: {@code Node Uuid} first, so {@code egrep Uuid | awk '{print $4}'} gives the UUIDs. */
    /**
     * {@code cluster add-node} is the one command not served over REST: joining a node means signing its keys with the
     * cluster CA, whose key is in the admin directory, so it runs {@code cairn ncli cluster add-node} (io.cairn.cli.Main)
     * in this process with that directory (whose {@code servers} file names the nodes); its progress goes to stdout.
     */
    private static Result addNode(Run r, Map<String, String> kv) {
        List<String> args = new java.util.ArrayList<>(List.of("ncli", "cluster", "add-node", "node-uuid=" + kv.get("node-uuid")));
        if (kv.containsKey("cvm-ip")) {
            args.add("cvm-ip=" + kv.get("cvm-ip"));
        }
        args.addAll(List.of("--admin", r.connection.adminDir().toString())); // its servers file names the nodes
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.cairn.cli.Main.run(args.toArray(String[]::new), System.out, new java.io.PrintStream(err, true,
                java.nio.charset.StandardCharsets.UTF_8));
        String message = err.toString(java.nio.charset.StandardCharsets.UTF_8).strip().replaceFirst("^cairn: ", "");
        if (code != 0) {
            throw code == 2 ? CliException.usage(message) : CliException.failed(message);
        }
        return done("node " + kv.get("node-uuid") + " joined");
    }

    private static Result discoverNodes(Run r, Map<String, String> kv) {
        List<JsonNode> nodes = r.client().list("/cluster/discovered_nodes", "");
        List<List<Output.Row>> blocks = new java.util.ArrayList<>();
        for (JsonNode n : nodes) {
            JsonNode s = n.path("spec");
            List<String> ips = new java.util.ArrayList<>();
            s.path("addresses").forEach(a -> ips.add(a.asText()));
            blocks.add(List.of(new Output.Row("Node Uuid", s.path("uuid").asText()), new Output.Row("Block Serial", s.path("blockSerial").asText()),
                    new Output.Row("Node Position", s.path("position").asText()),
                    new Output.Row("IPv6 Link-Local Address", s.path("linkLocal").asText("-").isEmpty() ? "-" : s.path("linkLocal").asText()),
                    new Output.Row("Hypervisor Type", s.path("hostType").asText()), new Output.Row("Hypervisor Version", s.path("hostVersion").asText()),
                    new Output.Row("Cairn Version", s.path("version").asText()),
                    new Output.Row("Node IP Addresses", ips.isEmpty() ? "-" : String.join(", ", ips)),
                    new Output.Row("Discovered Via", n.path("status").path("via").asText())));
        }
        com.fasterxml.jackson.databind.node.ArrayNode json = JsonNodeFactory.instance.arrayNode();
        nodes.forEach(json::add);
        return Result.message(blocks.isEmpty() ? "No unconfigured nodes found." : Output.blocks(blocks).stripTrailing(), json);
    }

    private static Result editParams(Run r, Map<String, String> kv) {
        JsonNode now = r.client().get("/cluster");
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("metadata").put("version", now.path("metadata").path("version").asLong());
        body.putObject("spec").put("external_ip_address", kv.get("external-ip-address"));
        JsonNode answer = r.client().put("/cluster", body);
        String ip = answer.path("spec").path("external_ip_address").asText(kv.get("external-ip-address"));
        return Result.message("External IP address (cluster virtual IP) set to " + ip + ".", answer.isObject() ? answer
                : JsonNodeFactory.instance.objectNode().put("external_ip_address", ip));
    }

    private static Result addSyslogServer(Run r, Map<String, String> kv) {
        String protocol = kv.get("network-protocol").toLowerCase(java.util.Locale.ROOT);
        if (!List.of("udp", "tcp", "tls", "relp").contains(protocol)) {
            throw CliException.usage("network-protocol=" + kv.get("network-protocol") + " is not one of udp, tcp, tls (relp is not "
                    + "supported yet)");
        }
        int port;
        try {
            port = kv.containsKey("port") ? Integer.parseInt(kv.get("port")) : protocol.equals("tls") ? 6514 : 514;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw CliException.usage("port=" + kv.get("port") + " is not a port number 1-65535 (syslog: 514, TLS: 6514)");
        }
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", kv.get("name")).put("ip_address", kv.get("ip-address"))
                .put("port", port).put("network_protocol", protocol);
        if (kv.containsKey("ca-certificate-file")) {
            try {
                spec.put("ca_certificate_pem", java.nio.file.Files.readString(java.nio.file.Path.of(kv.get("ca-certificate-file"))));
            } catch (IOException | RuntimeException e) {
                throw CliException.usage("cannot read ca-certificate-file=" + kv.get("ca-certificate-file") + ": " + e.getMessage());
            }
        }
        spec.putArray("modules");
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("spec", spec);
        return Result.one(r.client().post("/audit/syslog-servers", body));
    }

    /** Adds (or re-levels) or removes a module of a syslog server: GET, change, PUT with the version read. */
    private static Result editModules(Run r, Map<String, String> kv, boolean add) {
        String module = kv.get("module-name").toUpperCase(java.util.Locale.ROOT);
        if (!module.equals("AUDIT")) {
            throw CliException.usage("module-name=" + kv.get("module-name") + " does not exist; the only module is AUDIT");
        }
        String path = "/audit/syslog-servers/" + enc(kv.get("server-name"));
        JsonNode server = r.client().get(path);
        ObjectNode spec = ((ObjectNode) server.path("spec")).deepCopy();
        ArrayNode modules = JsonNodeFactory.instance.arrayNode();
        boolean had = false;
        for (JsonNode m : server.path("spec").path("modules")) {
            if (m.path("name").asText().equals(module)) {
                had = true;
            } else {
                modules.add(m);
            }
        }
        if (add) {
            modules.addObject().put("name", module).put("level", kv.getOrDefault("level", "INFO").toUpperCase(java.util.Locale.ROOT));
        } else if (!had) {
            throw CliException.failed("syslog server '" + kv.get("server-name") + "' has no module " + module);
        }
        spec.set("modules", modules);
        if (spec.path("ca_certificate_pem").isNull()) {
            spec.remove("ca_certificate_pem");
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("metadata").put("version", server.path("metadata").path("version").asLong());
        body.set("spec", spec);
        return Result.one(r.client().put(path, body));
    }

    private static Result createContainer(Run r, Map<String, String> kv) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", kv.get("name"));
        if (kv.containsKey("sp-name")) {
            String pool = r.client().get("/storage_pools/default").path("spec").path("name").asText();
            if (!pool.equals(kv.get("sp-name"))) {
                throw CliException.failed("no storage pool named '" + kv.get("sp-name") + "'; the cluster has one: '" + pool + "'");
            }
        }
        if (kv.containsKey("rf")) {
            try {
                spec.put("replication_factor", Integer.parseInt(kv.get("rf")));
            } catch (NumberFormatException e) {
                throw CliException.usage("rf=" + kv.get("rf") + " is not a number (1, 2 or 3)");
            }
        }
        if (kv.containsKey("res-capacity")) {
            spec.put("reserved_bytes", Sizes.parse("res-capacity", kv.get("res-capacity"), 1));
        }
        if (kv.containsKey("adv-capacity")) {
            spec.put("advertised_bytes", Sizes.parse("adv-capacity", kv.get("adv-capacity"), 1));
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("spec", spec);
        return Result.one(r.client().post("/containers", body));
    }

    private static String vdiskFilter(Map<String, String> kv) {
        List<String> f = new ArrayList<>();
        if (kv.containsKey("ctr")) {
            f.add("spec.container==" + kv.get("ctr"));
        }
        if (kv.containsKey("name")) {
            f.add("spec.name==" + kv.get("name"));
        }
        return f.isEmpty() ? "" : "filter=" + enc(String.join(";", f));
    }

    /** The vDisk of {@code id=}, or of {@code ctr=} and {@code name=}. */
    private static JsonNode findVDisk(Run r, Map<String, String> kv) {
        if (kv.containsKey("id")) {
            if (kv.containsKey("name") || kv.containsKey("ctr")) {
                throw CliException.usage("give either id= or ctr= and name=, not both");
            }
            return r.client().get("/vdisks/" + enc(kv.get("id")));
        }
        if (!kv.containsKey("name") || !kv.containsKey("ctr")) {
            throw CliException.usage("say which vDisk: ctr=CONTAINER name=NAME, or id=UUID");
        }
        List<JsonNode> found = r.client().list("/vdisks", vdiskFilter(kv));
        if (found.isEmpty()) {
            throw CliException.failed("no vDisk named '" + kv.get("name") + "' in container '" + kv.get("ctr") + "'; ncli vdisk ls ctr="
                    + kv.get("ctr") + " lists them");
        }
        return found.get(0);
    }

    private static Result resizeVDisk(Run r, Map<String, String> kv) {
        long size = Sizes.parse("size", kv.get("size"), 1);
        JsonNode v = findVDisk(r, kv);
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("metadata").put("version", v.path("metadata").path("version").asLong());
        body.putObject("spec").put("name", v.path("spec").path("name").asText()).put("container", v.path("spec").path("container").asText())
                .put("size_bytes", size);
        return Result.one(r.client().put("/vdisks/" + enc(v.path("metadata").path("uuid").asText()), body));
    }

    private static Result createUser(Run r, Map<String, String> kv) {
        String name = kv.get("user-name");
        char[] pw = r.terminal.secret("CAIRN_NEW_PASSWORD", "Password for the new user " + name + ": ", true);
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode spec = body.putObject("spec").put("username", name).put("password", new String(pw));
        Arrays.fill(pw, '\0');
        if (kv.containsKey("roles")) {
            ArrayNode roles = spec.putArray("roles");
            for (String role : kv.get("roles").split(",")) {
                if (!role.isBlank()) {
                    roles.add(role.trim());
                }
            }
        }
        return Result.one(r.client().post("/users", body));
    }

    private static Result changePassword(Run r, Map<String, String> kv) {
        String name = kv.containsKey("user-name") ? kv.get("user-name") : r.connection.user();
        if (name == null) {
            throw CliException.usage("whose password? give user-name=NAME (or log in with --user NAME)");
        }
        char[] old = name.equals(r.connection.user()) ? r.loginPassword(name)
                : r.terminal.secret("CAIRN_PASSWORD", "Current password of " + name + ": ", false);
        char[] now = r.terminal.secret("CAIRN_NEW_PASSWORD", "New password for " + name + ": ", true);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("old_password", new String(old)).put("new_password", new String(now));
        Arrays.fill(old, '\0');
        Arrays.fill(now, '\0');
        r.client().post("/users/" + enc(name) + "/password", body);
        return done("Password of " + name + " changed.");
    }
}
