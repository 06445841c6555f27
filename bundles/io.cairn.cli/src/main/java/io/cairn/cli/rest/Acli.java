package io.cairn.cli.rest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code acli} (spec 10 §17) over Prism's REST API only: {@code acli [connection options] [-o json]
 * <namespace>.<verb> [positional ...] [key=value ...]}, or a shell reading one command per line
 * ({@code -o json} given to the shell holds for the session). What exists now is {@code host.list};
 * the VM and network commands need the VM service (issue #11).
 */
public final class Acli {

    /** The commands of spec 10 §17 that need the VM service, which does not exist yet. */
    static final Set<String> VM_SERVICE = Set.of("vm.create", "vm.clone", "vm.disk_create", "vm.disk_update", "vm.nic_create",
            "vm.update_boot_device", "vm.on", "vm.off", "vm.list", "vm.get", "vm.delete", "net.create", "net.list", "net.add_dhcp_pool",
            "net.list_vms", "net.update_dhcp_dns", "net.set_dhcp_dns", "net.delete", "net.get");

    private Acli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out, System.err,
                Terminal.system()));
    }

    static int run(String[] argv, BufferedReader in, PrintStream out, PrintStream err, Terminal terminal) {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        Ncli.Run run;
        boolean json;
        try {
            if (args.contains("--help") || args.contains("-h")) {
                out.print(usage());
                return 0;
            }
            Connection c = Connection.parse(args, terminal.env);
            json = Ncli.jsonFlag(args);
            run = new Ncli.Run(c, terminal);
        } catch (CliException e) {
            err.println("acli: " + e.getMessage());
            return e.exitCode();
        }
        if (args.isEmpty()) {
            boolean session = json;
            try {
                return Terminal.shell(in, out, err, "acli> ", words -> {
                    List<String> w = new ArrayList<>(words);
                    try {
                        boolean j = Ncli.jsonFlag(w) || session;
                        return execute(run, w, j, out, err);
                    } catch (CliException e) {
                        err.println("acli: " + e.getMessage());
                        return e.exitCode();
                    }
                });
            } catch (IOException e) {
                err.println("acli: cannot read commands: " + e.getMessage());
                return 1;
            }
        }
        return execute(run, args, json, out, err);
    }

    static int execute(Ncli.Run run, List<String> words, boolean json, PrintStream out, PrintStream err) {
        try {
            if (words.isEmpty()) {
                throw CliException.usage("missing the command, e.g. acli host.list");
            }
            String command = words.get(0);
            List<String> rest = words.subList(1, words.size());
            if (command.equals("host.list")) {
                if (!rest.isEmpty()) {
                    throw CliException.usage("host.list takes nothing, not '" + rest.get(0) + "'");
                }
                hostList(run, json, out);
                return 0;
            }
            if (VM_SERVICE.contains(command)) {
                throw CliException.failed("not available yet: " + command + " needs the VM service (issue #11)");
            }
            if (command.startsWith("vg.")) {
                throw CliException.failed("not available over the REST API yet: " + command + " (volume groups); meanwhile use "
                        + "'cairn acli " + command + " ...' on a node");
            }
            if (!command.matches("[a-z_]+\\.[a-z_]+")) {
                throw CliException.usage("'" + command + "' is not a command: acli takes <namespace>.<verb>, e.g. host.list");
            }
            throw CliException.usage("unknown command '" + command + "' (there is: host.list; vm.* and net.* need the VM service, issue #11)");
        } catch (CliException e) {
            err.println("acli: " + e.getMessage());
            return e.exitCode();
        } catch (RuntimeException e) {
            err.println("acli: " + words.get(0) + " failed: " + e);
            return CliException.FAILED;
        }
    }

    private static void hostList(Ncli.Run run, boolean json, PrintStream out) {
        List<JsonNode> hosts = run.client().list("/hosts", "");
        List<List<String>> rows = new ArrayList<>();
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        for (JsonNode h : hosts) {
            String ip = h.path("spec").path("address").asText();
            String name = h.path("spec").path("name").asText(ip);
            String uuid = h.path("metadata").path("uuid").asText();
            String type = h.path("status").path("hypervisor").asText("KVM");
            String state = h.path("status").path("state").asText("unknown");
            rows.add(List.of(name, ip, uuid, type, state));
            ObjectNode o = data.addObject().put("name", name).put("ip", ip).put("uuid", uuid).put("type", type).put("state", state);
            o.put("software_version", h.path("status").path("software_version").asText(""));
        }
        if (json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.set("data", data);
            o.put("status", 0);
            out.println(Ncli.pretty(o));
        } else {
            out.print(Output.table(List.of("Hypervisor Name", "Hypervisor IP", "Host UUID", "Hypervisor Type", "State"), rows));
        }
    }

    static String usage() {
        return """
                usage: acli [connection] [-o json] NAMESPACE.VERB [positional ...] [key=value ...]   (no command: a shell)
                  host.list          the hosts: name, IP, UUID, hypervisor type, state
                  vm.* and net.*     not available yet: they need the VM service (issue #11)
                """ + Ncli.CONNECTION_HELP;
    }
}
