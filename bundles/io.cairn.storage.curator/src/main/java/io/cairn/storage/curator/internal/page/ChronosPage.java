package io.cairn.storage.curator.internal.page;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.pages.HtmlPage;
import io.cairn.common.pages.PageHandler;
import io.cairn.common.pages.PageRequest;
import io.cairn.common.pages.PageResponse;
import io.cairn.storage.curator.internal.chronos.Chronos;
import io.cairn.storage.curator.internal.chronos.Priority;
import io.cairn.storage.curator.internal.chronos.TaskKind;

/**
 * The Chronos page (spec 10 §20.3, spec 20 §21), on every node at {@code http://<node>:2011/}: the
 * jobs and tasks Curator scans queued, per node. The Chronos leader is the Curator leader; the data
 * is read from the queues in Medusa, so every node answers the same. Sections: the leader, "Tasks
 * per node" (queued per priority, running, given up, done and given up per kind) and "Queued and
 * running tasks" (by node, then priority). {@code ?format=json} gives the snapshot as JSON. Other
 * paths are 404.
 */
public final class ChronosPage implements PageHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the page shows; {@link CuratorPages} answers it from the node's Curator and Zeus. */
    public interface Source {

        /** This node's address. */
        String self();

        /** The Curator leader's address (Chronos's leader is the same node), when one is elected. */
        Optional<String> leader();

        /** Every node's Chronos queue and counters now. */
        Chronos.Snapshot chronos();

        /** Node addresses by node id (the snapshot names nodes by id); a node missing here is shown by its id. */
        Map<String, String> addresses();
    }

    private final Source source;
    private final int port;

    /**
     * @param port the port of this page on every node (the leader's link points there)
     */
    public ChronosPage(Source source, int port) {
        this.source = source;
        this.port = port;
    }

    @Override
    public PageResponse handle(PageRequest r) throws Exception {
        return switch (r.path()) {
            case "/", "" -> {
                Chronos.Snapshot s = source.chronos();
                Map<String, String> addresses = source.addresses();
                yield r.json() ? PageResponse.json(JSON.writeValueAsBytes(json(s, addresses))) : PageResponse.html(page(s, addresses));
            }
            default -> PageResponse.notFound(r.path());
        };
    }

    /** The snapshot as JSON, with this node, the leader and the nodes' addresses. */
    private Map<String, Object> json(Chronos.Snapshot s, Map<String, String> addresses) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", source.self());
        out.put("leader", source.leader().orElse(null));
        out.put("taken", s.taken());
        out.put("nodes", s.nodes());
        out.put("addresses", addresses);
        return out;
    }

    private HtmlPage page(Chronos.Snapshot s, Map<String, String> addresses) {
        HtmlPage p = new HtmlPage("Chronos on " + source.self());
        Optional<String> leader = source.leader();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("This node", source.self());
        if (leader.isPresent() && leader.get().equals(source.self())) {
            fields.put("Chronos Leader", source.self() + " (this node; the Curator leader)");
        }
        fields.put("Snapshot taken", s.taken());
        p.fields(fields);
        if (leader.isEmpty()) {
            p.paragraph("Chronos Leader: none elected yet (Chronos's leader is the Curator leader)");
        } else if (!leader.get().equals(source.self())) {
            p.link("Chronos Leader:", url(leader.get()) + "/", leader.get());
        }
        p.note("Chronos runs the tasks that Curator scans queue: each node runs its own queue, kept in Medusa, so every node answers "
                + "this page with the same data.");

        List<Chronos.NodeQueue> nodes = new ArrayList<>(s.nodes());
        // by address (a node missing from the configuration last, by its id)
        nodes.sort(Comparator.<Chronos.NodeQueue, Boolean>comparing(n -> !addresses.containsKey(n.node()))
                .thenComparing(n -> name(n.node(), addresses), ChronosPage::compareNatural));
        Priority[] priorities = Priority.values();
        List<String> kinds = kinds(nodes);

        p.heading("Tasks per node");
        List<String> headers = new ArrayList<>(List.of("Node"));
        for (Priority pr : priorities) {
            headers.add("Queued " + priority(pr.digit()));
        }
        headers.addAll(List.of("Running", "Given up (until the next scan)"));
        for (String k : kinds) {
            headers.add("Done " + k);
            headers.add("Given up " + k);
        }
        List<List<String>> summary = new ArrayList<>();
        List<String> truncated = new ArrayList<>();
        for (Chronos.NodeQueue n : nodes) {
            List<String> row = new ArrayList<>(List.of(name(n.node(), addresses)));
            if (n.error() != null) {
                row.add("queue not readable: " + n.error());
                while (row.size() < headers.size()) {
                    row.add("-");
                }
                summary.add(row);
                continue;
            }
            for (Priority pr : priorities) {
                row.add(pr.digit() < n.queuedByPriority().size() ? Integer.toString(n.queuedByPriority().get(pr.digit())) : "-");
            }
            row.add(Integer.toString(n.running()));
            row.add(Integer.toString(n.failed()));
            for (String k : kinds) {
                row.add(Long.toString(n.done().getOrDefault(k, 0L)));
                row.add(Long.toString(n.givenUp().getOrDefault(k, 0L)));
            }
            summary.add(row);
            int total = n.queued() + n.running() + n.failed();
            if (n.tasks().size() < total) {
                truncated.add(name(n.node(), addresses) + ": the " + n.tasks().size() + " most urgent of " + total + " tasks");
            }
        }
        p.table(headers, summary, "no cluster members known");
        p.note("Done and given up count since the node's queue was first used. A task is given up after its third failed run; "
                + "the scan that emitted it deletes it and the next scan queues it again if still needed.");

        p.heading("Queued and running tasks");
        record Row(int order, String node, Chronos.TaskView task) {
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Chronos.NodeQueue n = nodes.get(i);
            int order = i;
            n.tasks().forEach(t -> rows.add(new Row(order, name(n.node(), addresses), t)));
        }
        rows.sort(Comparator.comparingInt(Row::order).thenComparingInt(x -> x.task().priority()).thenComparing(x -> x.task().id()));
        p.table(List.of("Node", "Task ID", "Kind", "Priority", "State", "Attempts", "Age", "Scan execution ID", "Last error"),
                rows.stream().map(x -> {
                    Chronos.TaskView t = x.task();
                    return List.of(x.node(), t.id(), t.kind() == null ? "" : t.kind(), priority(t.priority()), state(t),
                            Integer.toString(t.attempts()),
                            CuratorPage.human(Duration.ofSeconds(t.ageSecs())), Long.toString(t.execution()),
                            t.error() == null ? "" : t.error());
                }).toList(), "no tasks queued or running");
        if (!truncated.isEmpty()) {
            p.note("Listed per node: " + String.join("; ", truncated) + ".");
        }
        if (rows.stream().anyMatch(x -> x.task().state().equals("failed"))) {
            p.note("Tasks in state failed were given up; they stay listed until a scan collects them.");
        }
        return p;
    }

    /** {@code 0 (LAST_REPLICA)}; a digit this version does not know is shown alone. */
    static String priority(int digit) {
        try {
            return digit + " (" + Priority.ofDigit(digit).name() + ")";
        } catch (IllegalArgumentException e) {
            return Integer.toString(digit);
        }
    }

    private static String state(Chronos.TaskView t) {
        if (t.state().equals("queued") && t.retryInSecs() > 0) {
            return "queued (retry in " + t.retryInSecs() + " s)";
        }
        return t.state();
    }

    /** Every kind this version knows, then any other kind a node counted (written by another version), in name order. */
    private static List<String> kinds(List<Chronos.NodeQueue> nodes) {
        Set<String> out = new LinkedHashSet<>();
        for (TaskKind k : TaskKind.values()) {
            out.add(k.label());
        }
        Set<String> others = new TreeSet<>();
        for (Chronos.NodeQueue n : nodes) {
            others.addAll(n.done().keySet());
            others.addAll(n.givenUp().keySet());
        }
        out.addAll(others);
        return List.copyOf(out);
    }

    private static String name(String node, Map<String, String> addresses) {
        return addresses.getOrDefault(node, node);
    }

    private String url(String address) {
        return "http://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    /** Runs of digits compare as numbers, so 127.0.1.2 sorts before 127.0.1.10. */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int ei = i;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
                    ei++;
                }
                int ej = j;
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
                    ej++;
                }
                String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
