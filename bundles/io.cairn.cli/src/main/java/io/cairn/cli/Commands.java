package io.cairn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** Runs one parsed command against a controller. */
final class Commands {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private final Options o;
    private final PrintStream out;

    Commands(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    int run() {
        String group = o.word(0, "command");
        String verb = o.words().size() > 1 ? o.words().get(1) : "";
        if (group.equals("cluster") && verb.equals("create")) {
            return new ClusterCreate(o, out).run();
        }
        if (group.equals("cluster") && verb.equals("add-node")) {
            return new ClusterCreate(o, out).runAddNode();
        }
        if (group.equals("ncli") && verb.equals("cluster") && o.words().size() > 2 && o.words().get(2).equals("add-node")) {
            return new ClusterCreate(o, out).runAddNodeByUuid();
        }
        ObjectNode body = JSON.createObjectNode();
        String method;
        switch (group + " " + verb) {
            case "cluster status" -> method = "cluster.status";
            case "cluster start" -> {
                method = "cluster.start";
                if (o.words().size() > 2) {
                    body.put("service", o.words().get(2));
                }
            }
            case "cluster stop" -> {
                method = "cluster.stop";
                body.put("service", o.word(2, "the service to stop, e.g. cairn cluster stop Curator"));
            }
            case "genesis status" -> method = "genesis.status";
            case "genesis stop" -> {
                method = "genesis.stop";
                body.put("service", o.word(2, "the service to stop, e.g. cairn genesis stop Curator"));
            }
            case "zeus config" -> method = "zeus.config";
            case "zeus read" -> {
                method = "zeus.read";
                body.put("document", o.word(2, "the document name"));
            }
            case "zeus write" -> {
                method = "zeus.write";
                body.put("document", o.word(2, "the document name"));
                try {
                    body.put("expectedVersion", Integer.parseInt(o.word(3, "the expected version (-1 to create)")));
                } catch (NumberFormatException e) {
                    throw new Main.UsageException("the expected version must be an integer (-1 to create)");
                }
                body.put("data", o.word(4, "the data"));
            }
            case "medusa status" -> method = "medusa.status";
            case "medusa map" -> method = "medusa.map";
            case "medusa compact" -> method = "medusa.compact";
            case "medusa get" -> {
                method = "medusa.get";
                body.put("key", o.word(2, "the key"));
            }
            case "medusa put" -> {
                method = "medusa.put";
                body.put("key", o.word(2, "the key"));
                body.put("value", o.word(3, "the value"));
            }
            case "medusa scan" -> {
                method = "medusa.scan";
                body.put("prefix", o.word(2, "the prefix (routing part and '#')"));
            }
            case "tasks list" -> method = "tasks.list";
            case "tasks get" -> {
                method = "tasks.get";
                body.put("id", o.word(2, "the task id"));
            }
            case "tasks abort" -> {
                method = "tasks.abort";
                body.put("id", o.word(2, "the task id"));
            }
            case "tasks submit" -> {
                method = "tasks.submit";
                body.put("type", o.word(2, "the task type"));
                if (o.words().size() > 3) {
                    body.set("params", parse(o.words().get(3), "the task parameters"));
                }
            }
            case "alerts list" -> method = "alerts.list";
            case "alerts ack" -> {
                method = "alerts.ack";
                body.put("id", o.word(2, "the alert id"));
            }
            case "alerts raise" -> {
                method = "alerts.raise";
                body.put("severity", o.word(2, "the severity (INFO, WARNING, CRITICAL)"));
                body.put("source", o.word(3, "the source"));
                body.put("title", o.word(4, "the title"));
                if (o.words().size() > 5) {
                    body.put("message", o.words().get(5));
                }
            }
            default -> {
                if (group.equals("ncli")) {
                    // ncli ENTITY VERB name=value ... (spec 10 syntax), served by Stargate and Curator until Prism's REST API exists
                    String entity = o.word(1, "the entity: sp, ctr, vdisk or cluster");
                    String action = o.word(2, "the action, e.g. ls or create");
                    if (entity.equals("cluster")) {
                        method = switch (action) {
                            case "get-domain-fault-tolerance-status" -> "curator.ft_status";
                            case "get-resilient-capacity" -> "curator.resilient_capacity";
                            case "edit-params" -> "volumes.dsip.set";
                            case "discover-nodes" -> "cluster.discover_nodes";
                            default -> throw new Main.UsageException("ncli cluster knows get-domain-fault-tolerance-status, discover-nodes, "
                                    + "get-resilient-capacity type=node|rackable_unit and edit-params "
                                    + "external-ip-address=IP|external-data-services-ip-address=IP here, not '" + action
                                    + "' (cluster create/add-node are 'cairn cluster ...')");
                        };
                    } else if (java.util.Set.of("sp", "ctr", "vdisk").contains(entity)) {
                        method = "stargate." + entity + "." + (action.equals("list") ? "ls" : action);
                    } else {
                        throw new Main.UsageException("ncli knows sp, ctr, vdisk and cluster for now, not '" + entity + "'");
                    }
                    if (method.equals("volumes.dsip.set")) {
                        method = editParams(o.words().subList(3, o.words().size()), body);
                    } else {
                        nameValues(o.words().subList(3, o.words().size()), body);
                    }
                } else if (group.equals("acli")) {
                    method = acli(o.words().subList(1, o.words().size()), body);
                } else if (group.equals("curator_cli")) {
                    String action = o.word(1, "the command: get_under_replication_info or start_scan");
                    method = switch (action) {
                        case "get_under_replication_info" -> "curator.under_replication";
                        case "start_scan" -> "curator.start";
                        default -> throw new Main.UsageException("curator_cli knows get_under_replication_info [summary=true] and "
                                + "start_scan task_type=2|3 (2 full, 3 partial), not '" + action + "'");
                    };
                    nameValues(o.words().subList(2, o.words().size()), body);
                } else if (group.equals("hal")) {
                    // hal fault list | inject DEVICE KIND [name=value ...] | clear DEVICE|*  (simulated disks, debug image)
                    if (!verb.equals("fault")) {
                        throw new Main.UsageException("hal knows 'fault list', 'fault inject DEVICE KIND [name=value ...]' and "
                                + "'fault clear DEVICE', not '" + (verb.isEmpty() ? "(nothing)" : verb) + "'");
                    }
                    String action = o.word(2, "the action: list, inject or clear");
                    switch (action) {
                        case "list" -> method = "hal.faults.list";
                        case "inject" -> {
                            method = "hal.faults.inject";
                            body.put("device", o.word(3, "the device id (cairn hal fault list shows them)"));
                            body.put("fault", o.word(4, "the fault: eio, latency, disappear, full, bitflip or smart_fail"));
                            nameValues(o.words().subList(5, o.words().size()), body);
                        }
                        case "clear" -> {
                            method = "hal.faults.clear";
                            body.put("device", o.word(3, "the device id, or * for every device"));
                        }
                        default -> throw new Main.UsageException("hal fault knows list, inject and clear, not '" + action + "'");
                    }
                } else if (group.equals("metrics")) {
                    method = "metrics.scrape";
                } else if (group.equals("rpc")) {
                    method = verb.isEmpty() ? o.word(1, "the method") : verb;
                    if (o.words().size() > 2) {
                        JsonNode n = parse(o.words().get(2), "the request");
                        if (!n.isObject()) {
                            throw new Main.UsageException("the request must be a JSON object");
                        }
                        body = (ObjectNode) n;
                    }
                } else {
                    throw new Main.UsageException("unknown command '" + (group + " " + verb).trim() + "'");
                }
            }
        }
        Target t = target();
        try (RpcClient client = Rpc.client(t.credentials)) {
            byte[] reply = client.call(t.address, method, write(body), DEADLINE);
            JsonNode r = JSON.readTree(reply);
            print(method, r);
            return 0;
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "the reply of " + method + " is not JSON: " + e.getMessage());
        }
    }

    /** The volume-group commands of spec 50 §1 ({@code acli vg.*}), served by the Volumes service until Prism's REST API exists. */
    static String acli(List<String> words, ObjectNode body) {
        if (words.isEmpty()) {
            throw new Main.UsageException("acli needs a command, e.g. vg.list or vg.create NAME");
        }
        String command = words.get(0);
        // command -> how many positional words it takes after the command (VG name, initiator IQN)
        int positional = switch (command) {
            case "vg.list" -> 0;
            case "vg.create", "vg.get", "vg.delete", "vg.disk_create", "vg.disk_resize", "vg.disk_delete" -> 1;
            case "vg.attach_external", "vg.detach_external" -> 2;
            default -> throw new Main.UsageException("acli knows vg.create, vg.get, vg.list, vg.delete, vg.disk_create, vg.disk_resize, "
                    + "vg.disk_delete, vg.attach_external and vg.detach_external for now, not '" + command + "'");
        };
        List<String> rest = words.subList(1, words.size());
        if (rest.size() < positional || rest.subList(0, positional).stream().anyMatch(w -> w.contains("="))) {
            throw new Main.UsageException(command + " takes " + (positional == 1 ? "the volume group's name" : "the volume group's name and "
                    + "the initiator IQN") + " first, e.g. acli " + command + (positional == 1 ? " vg1" : " vg1 iqn.1991-05.com.example:host1"));
        }
        if (positional >= 1) {
            body.put("name", rest.get(0));
        }
        if (positional == 2) {
            body.put("iqn", rest.get(1));
        }
        nameValues(rest.subList(positional, rest.size()), body);
        return "volumes." + command;
    }

    /**
     * {@code ncli cluster edit-params external-ip-address=IP} (the cluster virtual IP, Prism's) or
     * {@code external-data-services-ip-address=IP} (Volumes'): one per call; returns the RPC method.
     */
    static String editParams(List<String> words, ObjectNode body) {
        String method = null;
        for (String word : words) {
            int eq = word.indexOf('=');
            String key = eq <= 0 ? word : word.substring(0, eq);
            String m = switch (key) {
                case "external-ip-address" -> "prism.vip.set";
                case "external-data-services-ip-address" -> "volumes.dsip.set";
                default -> null;
            };
            if (m == null || eq == word.length() - 1) {
                throw new Main.UsageException("ncli cluster edit-params takes external-ip-address=IP or external-data-services-ip-address=IP "
                        + "for now, not '" + word + "'");
            }
            if (method != null) {
                throw new Main.UsageException("ncli cluster edit-params sets one address per call; run it once for each");
            }
            method = m;
            body.put("ip", word.substring(eq + 1));
        }
        if (method == null) {
            throw new Main.UsageException("ncli cluster edit-params needs external-ip-address=IP or external-data-services-ip-address=IP");
        }
        return method;
    }

    /** ncli-style name=value words into the request body. */
    private static void nameValues(List<String> words, ObjectNode body) {
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq <= 0) {
                throw new Main.UsageException("'" + word + "' is not name=value (e.g. name=ctr1)");
            }
            String key = word.substring(0, eq);
            body.put(key.equals("sp-name") ? "sp" : key, word.substring(eq + 1));
        }
    }

    private void print(String method, JsonNode r) throws IOException {
        if (o.json() || !(r.isObject() && (r.has("text") || r.has("services")))) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
            return;
        }
        if (r.has("text")) {
            out.print(r.get("text").asText());
            return;
        }
        out.println("Services on " + r.get("address").asText() + ":");
        for (JsonNode s : r.get("services")) {
            String st = s.get("state").asText();
            out.printf("    %-16s %s%s%n", s.get("service").asText(), st.equals("UP") ? "UP [" + s.get("pid").asLong() + "]" : st + " []",
                    s.get("note").asText().isEmpty() ? "" : "  (" + s.get("note").asText() + ")");
        }
    }

    record Target(String address, Credentials credentials) {
    }

    /** The controller to talk to and the credentials to present. */
    Target target() {
        String home = o.option("--home");
        if (home != null) {
            Path h = Path.of(home);
            Path ready = h.resolve("run/ready");
            if (!Files.exists(ready)) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "the controller of " + h + " is not running (no run/ready); start it "
                        + "with cairn node start --home " + h + " --ip ADDR");
            }
            String address;
            try {
                address = Files.readAllLines(ready, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("address="))
                        .map(l -> l.substring(8)).findFirst().orElseThrow();
            } catch (IOException | java.util.NoSuchElementException e) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "cannot read the address of " + h + " from run/ready");
            }
            Path pki = h.resolve("data/pki");
            if (!Files.exists(pki.resolve("ca.pem"))) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "node " + address + " is not part of a cluster yet; "
                        + "create one with cairn cluster create --nodes IP,IP,IP");
            }
            return new Target(address, Credentials.load(pki));
        }
        String node = o.node();
        if (node == null) {
            throw new Main.UsageException("say which controller: --home DIR, --node IP, or --admin DIR whose servers file names the nodes");
        }
        Path admin = o.adminDir();
        if (!Files.exists(admin.resolve("cert.pem"))) {
            throw new CairnException(ErrorCode.UNAUTHENTICATED, "no admin credentials in " + admin + "; pass --admin DIR "
                    + "(the directory cluster create wrote) or use --home DIR on a node");
        }
        return new Target(node, Credentials.load(admin));
    }

    static byte[] write(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new Main.UsageException(what + " is not valid JSON: " + e.getMessage());
        }
    }

    static Map<String, String> pairs(String text, String option) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        if (text == null) {
            return m;
        }
        for (String p : text.split(",")) {
            String[] kv = p.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new Main.UsageException(option + " takes IP=NAME pairs separated by commas, e.g. 127.0.1.1=block-a; got '" + p + "'");
            }
            m.put(kv[0].trim(), kv[1].trim());
        }
        return m;
    }

    static List<String> list(String text) {
        return text == null ? List.of() : List.of(text.split(","));
    }
}
