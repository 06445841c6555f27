package io.cairn.cli.rest;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code cluster status} and {@code genesis status} (spec 10 §20.1) over Prism's REST API only:
 * {@code cluster [connection] [-o json] status} prints every CVM {@code Up}/{@code Down} with each role
 * {@code UP [pids]} / {@code DOWN []} and the cluster state line ({@code GET /cluster/status});
 * {@code genesis [connection] [-o json] status} prints the roles and pids of the node it talks to: the first
 * {@code --server} (or the first node of the admin directory's servers file), or the Prism leader when that address
 * is the cluster virtual IP ({@code GET /hosts/{uuid}/services}). Exit 0, 1 refused or failed, 2 usage.
 */
public final class StatusCli {

    private StatusCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, Terminal.system()));
    }

    static String usage(String tool) {
        return "usage: " + tool + " [connection] [-o json] status\n"
                + (tool.equals("cluster") ? "  every CVM Up/Down with its roles UP [pids] / DOWN [] and the cluster state\n"
                        : "  the roles of the node talked to (the first --server; the Prism leader behind the virtual IP) with their pids\n")
                + Ncli.CONNECTION_HELP;
    }

    /** {@code argv[0]} is the tool, {@code cluster} or {@code genesis}. */
    static int run(String[] argv, PrintStream out, PrintStream err, Terminal terminal) {
        if (argv.length == 0 || !(argv[0].equals("cluster") || argv[0].equals("genesis"))) {
            err.println("status: the first argument is the tool, cluster or genesis");
            return CliException.USAGE;
        }
        String tool = argv[0];
        List<String> args = new ArrayList<>(Arrays.asList(argv).subList(1, argv.length));
        try {
            if (args.contains("--help") || args.contains("-h")) {
                out.print(usage(tool));
                return 0;
            }
            Connection c = Connection.parse(args, terminal.env);
            boolean json = Ncli.jsonFlag(args);
            if (args.size() != 1 || !args.getFirst().equals("status")) {
                throw CliException.usage((args.isEmpty() ? "no command" : "unknown command '" + String.join(" ", args) + "'") + "; "
                        + tool + " knows: status (" + tool + " --help)");
            }
            Ncli.Run run = new Ncli.Run(c, terminal);
            JsonNode answer = tool.equals("cluster") ? run.client().get("/cluster/status") : hostServices(run, c);
            if (json) {
                out.println(PrismClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
            } else {
                out.print(answer.path("status").path("text").asText());
            }
            return 0;
        } catch (CliException e) {
            err.println(tool + ": " + e.getMessage());
            return e.exitCode();
        } catch (java.io.IOException e) {
            err.println(tool + ": " + e.getMessage());
            return CliException.FAILED;
        }
    }

    /** The services of the node talked to: the host whose address is the first server's, else the Prism leader. */
    private static JsonNode hostServices(Ncli.Run run, Connection c) {
        String dialled = host(c.targets().getFirst());
        List<JsonNode> hosts = run.client().list("/hosts", "");
        String address = dialled;
        if (hosts.stream().noneMatch(h -> h.path("spec").path("address").asText().equals(dialled))) {
            address = run.client().get("/cluster").path("status").path("leaders").path("prism").asText();
        }
        for (JsonNode h : hosts) {
            if (h.path("spec").path("address").asText().equals(address)) {
                return run.client().get("/hosts/" + Ncli.enc(h.path("metadata").path("uuid").asText()) + "/services");
            }
        }
        throw CliException.failed(dialled + " is not a node of this cluster and no Prism leader is known; give a node with --server");
    }

    private static String host(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String h = colon > 0 ? hostPort.substring(0, colon) : hostPort;
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }
}
