package io.cairn.storage.curator.internal.page;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.pages.HtmlPage;
import io.cairn.common.pages.PageHandler;
import io.cairn.common.pages.PageRequest;
import io.cairn.common.pages.PageResponse;
import io.cairn.storage.curator.internal.CuratorService;
import io.cairn.storage.curator.internal.CuratorService.ScanType;
import io.cairn.storage.curator.internal.CuratorStatus;
import io.cairn.storage.curator.internal.ScanHistory;
import io.cairn.storage.curator.internal.chronos.Priority;

/**
 * The Curator pages (spec 20 §21, spec 10 §20.3), on every node at {@code http://<node>:2010}:
 * <ul>
 * <li>{@code /}: the leader (uptime, build; on other nodes a "Curator Leader: &lt;ip&gt;" link),
 * Curator Nodes, Curator Jobs (running, completed, background task stats), MapReduce Jobs, Queued
 * Curator Jobs, Last Successful Curator Scans, and the last status the leader published;
 * {@code ?format=json} gives the same as JSON.</li>
 * <li>{@value #CONTROL}: links that start scans by hand.</li>
 * <li>{@value #START}{@code ?task_type=2} (full) or {@code 3} (partial): queues a scan and answers
 * its execution id as JSON (a type already queued or running answers that scan's id).</li>
 * <li>{@value #REFRESH}: the statistics of the last scan as JSON (each scan refreshes them).</li>
 * </ul>
 * The {@code /master/} paths answer only on the leader; other nodes redirect (307) to the same URL
 * on the leader's address.
 */
public final class CuratorPage implements PageHandler {

    static final String CONTROL = "/master/control";
    static final String START = "/master/api/client/StartCuratorTasks";
    static final String REFRESH = "/master/api/client/RefreshStats";
    static final String TASK_TYPES = ScanType.TASK_TYPES;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the page shows and does; {@link CuratorPages} answers it from the node's Curator and Zeus. */
    public interface Source {

        /** This node's address. */
        String self();

        /** This node's software version. */
        String build();

        /** When this node's Curator started. */
        Instant upSince();

        /** The leader's address, when one is elected. */
        Optional<String> leader();

        boolean isLeader();

        Optional<Instant> leaderSince();

        /** Queues a scan (leader only); its execution id. */
        long start(ScanType type, String reason);

        /** The status the leader last published (Zeus). */
        Optional<CuratorStatus> status();

        /** Queued scans, the running one first. */
        List<CuratorService.Scan> queued();

        ScanHistory history();

        /** Every member of the cluster with its Curator role and health. */
        List<NodeRow> nodes();
    }

    /** One cluster member: address, Curator role (Leader, Follower, or - when down), health (UP, DOWN), its Stargate and version. */
    public record NodeRow(String node, String role, String health, String stargate, String version) {
    }

    private final Source source;
    private final Clock clock;
    private final int port;
    private final int chronosPort;

    /**
     * @param port        the port the pages use on every node (where non-leaders send {@code /master/} requests)
     * @param chronosPort the port of the {@link ChronosPage} (2011), which lists the scans' background tasks
     */
    public CuratorPage(Source source, Clock clock, int port, int chronosPort) {
        this.source = source;
        this.clock = clock;
        this.port = port;
        this.chronosPort = chronosPort;
    }

    @Override
    public PageResponse handle(PageRequest r) throws Exception {
        String path = r.path();
        return switch (path) {
            case "/", "" -> r.json() ? PageResponse.json(JSON.writeValueAsBytes(overview())) : PageResponse.html(overviewPage());
            case CONTROL, START, REFRESH -> {
                Optional<PageResponse> elsewhere = redirectUnlessLeader(r);
                if (elsewhere.isPresent()) {
                    yield elsewhere.get();
                }
                yield switch (path) {
                    case CONTROL -> PageResponse.html(controlPage());
                    case START -> start(r);
                    default -> PageResponse.json(JSON.writeValueAsBytes(refresh()));
                };
            }
            default -> PageResponse.notFound(path);
        };
    }

    /** 307 to the same URL on the leader, when this node is not it. */
    private Optional<PageResponse> redirectUnlessLeader(PageRequest r) {
        if (source.isLeader()) {
            return Optional.empty();
        }
        String leader = source.leader().orElseThrow(() -> new CairnException(ErrorCode.UNAVAILABLE,
                "no Curator leader is elected yet; try again in a few seconds"));
        if (leader.equals(source.self())) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "this node is taking over as Curator leader; try again in a second");
        }
        return Optional.of(PageResponse.temporaryRedirect(url(leader) + r.pathAndQuery()));
    }

    private String url(String address) {
        return url(address, port);
    }

    private static String url(String address, int port) {
        return "http://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    private PageResponse start(PageRequest r) throws JsonProcessingException {
        String taskType = r.param("task_type").orElseThrow(() -> CairnException.invalid("task_type is missing; " + TASK_TYPES));
        ScanType type = ScanType.ofTaskType(taskType);
        long id;
        try {
            id = source.start(type, "manual (task_type=" + taskType + ")");
        } catch (IllegalStateException e) { // leadership lost since the check
            throw new CairnException(ErrorCode.UNAVAILABLE, e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("executionId", id);
        out.put("taskType", Integer.parseInt(taskType));
        out.put("type", type.name());
        out.put("leader", source.self());
        return PageResponse.json(JSON.writeValueAsBytes(out));
    }

    private Map<String, Object> refresh() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leader", source.self());
        out.put("status", source.status().orElse(null));
        return out;
    }

    // ---------------------------------------------------------------- the overview

    /** The overview as JSON: what the HTML shows, with times as ISO-8601 and durations in milliseconds. */
    Map<String, Object> overview() {
        boolean leader = source.isLeader();
        ScanHistory h = source.history();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", source.self());
        out.put("build", source.build());
        out.put("upSince", source.upSince().toString());
        out.put("leader", source.leader().orElse(null));
        out.put("isLeader", leader);
        out.put("leaderSince", source.leaderSince().map(Instant::toString).orElse(null));
        out.put("nodes", source.nodes());
        out.put("running", leader ? h.running().map(this::json).orElse(null) : null);
        out.put("completed", leader ? h.completed().stream().map(CuratorPage::json).toList() : List.of());
        out.put("mapReduceJobs", List.of());
        out.put("queued", leader ? waiting().stream().map(CuratorPage::json).toList() : List.of());
        Map<String, Object> last = new LinkedHashMap<>();
        lastSuccessful().forEach((type, row) -> last.put(type.name(), row));
        out.put("lastSuccessful", last);
        out.put("status", source.status().orElse(null));
        return out;
    }

    private HtmlPage overviewPage() {
        boolean leader = source.isLeader();
        HtmlPage p = new HtmlPage("Curator on " + source.self());
        Instant up = source.upSince();
        Map<String, String> fields = new LinkedHashMap<>();
        if (leader) {
            fields.put("Curator Leader", source.self() + " (this node)");
            source.leaderSince().ifPresent(s -> fields.put("Leader since", s + " (" + human(Duration.between(s, clock.now())) + ")"));
        }
        fields.put("Curator up since", up + " (" + human(Duration.between(up, clock.now())) + ")");
        fields.put("Build", source.build());
        if (!leader) {
            Optional<String> l = source.leader();
            if (l.isPresent()) {
                p.link("Curator Leader:", url(l.get()) + "/", l.get());
            } else {
                p.paragraph("Curator Leader: none elected yet");
            }
        }
        p.fields(fields);
        if (leader) {
            p.link("", CONTROL, "Start scans by hand (" + CONTROL + ")");
        }

        p.heading("Curator Nodes");
        p.table(List.of("Node", "Role", "Health", "Stargate", "Version"),
                source.nodes().stream().map(n -> List.of(n.node(), n.role(), n.health(), n.stargate(), n.version())).toList(),
                "no cluster members known");

        p.heading("Curator Jobs");
        if (!leader) {
            p.note("Jobs run on the Curator leader; its page lists them.");
        } else {
            ScanHistory h = source.history();
            p.subheading("Running");
            p.table(List.of("Execution ID", "Type", "Reason", "Started", "Running for"), h.running().stream()
                    .map(s -> List.of(Long.toString(s.executionId()), s.type().name(), s.reason(), s.started().toString(),
                            human(Duration.between(s.started(), clock.now()))))
                    .toList(), "no scan running");
            p.subheading("Completed");
            List<ScanHistory.Entry> done = h.completed();
            p.table(List.of("Execution ID", "Type", "Reason", "Started", "Duration", "Tasks", "Under-replicated left", "Outcome"),
                    done.stream().map(e -> List.of(Long.toString(e.executionId()), e.type().name(), e.reason(), e.started().toString(),
                            human(e.duration()), Integer.toString(e.repairs() + e.orphansDeleted()),
                            e.underReplicatedLeft() < 0 ? "-" : Long.toString(e.underReplicatedLeft()), e.outcome())).toList(),
                    "no scan completed since this node became leader");
            p.subheading("Background Task Stats");
            List<List<String>> tasks = new ArrayList<>();
            for (ScanHistory.Entry e : done) {
                if (e.repairs() > 0) {
                    tasks.add(List.of(Long.toString(e.executionId()), "restore replication (ExtentGroups.protect)", Integer.toString(e.repairs()),
                            "0-3, per extent group"));
                }
                if (e.orphansDeleted() > 0) {
                    tasks.add(List.of(Long.toString(e.executionId()), "delete orphaned replica", Integer.toString(e.orphansDeleted()),
                            ChronosPage.priority(Priority.GARBAGE.digit())));
                }
            }
            p.table(List.of("Execution ID", "Task type", "Count", "Priority"), tasks, "no background tasks in the completed scans");
            p.note("Scans queue these as Chronos tasks on the nodes that run them, most urgent first (0: data with at most one good "
                    + "replica left, 1: other under-replication, 2: replicas failing their checksum, 3: garbage); the Chronos page lists "
                    + "every node's queue, priorities, attempts and errors.");
            p.link("Chronos page:", url(source.self(), chronosPort) + "/", url(source.self(), chronosPort) + "/");
        }

        p.heading("MapReduce Jobs");
        Optional<CuratorStatus> last = source.status();
        List<List<String>> maps = last.map(s -> s.mapTasks().stream().map(t -> List.of(Long.toString(s.executionId()), t.address(),
                t.shards().toString(), t.ranOn(), Long.toString(t.vdisks()), Long.toString(t.egroups()),
                t.failure() == null ? "succeeded" : "failed: " + t.failure())).toList()).orElse(List.of());
        p.table(List.of("Execution ID", "Node", "Map tasks (metadata shards)", "Ran on", "vDisks", "Extent groups", "Status"), maps,
                "no scan published yet");

        p.heading("Queued Curator Jobs");
        if (leader) {
            p.table(List.of("Execution ID", "Type", "Reason"),
                    waiting().stream().map(s -> List.of(Long.toString(s.id()), s.type().name(), s.reason())).toList(), "nothing queued");
        } else {
            p.note("Scans queue on the Curator leader; its page lists them.");
        }

        p.heading("Last Successful Curator Scans");
        p.table(List.of("Type", "Execution ID", "Started", "Finished", "Repairs", "Orphans deleted"),
                lastSuccessful().values().stream().map(s -> List.of(s.type(), Long.toString(s.executionId()), s.started(), s.finished(),
                        s.repairs() < 0 ? "-" : Long.toString(s.repairs()), s.orphansDeleted() < 0 ? "-" : Long.toString(s.orphansDeleted())))
                        .toList(),
                "none yet");

        p.heading("Last Published Status");
        Optional<CuratorStatus> st = source.status();
        if (st.isEmpty()) {
            p.note("The Curator leader has not published a scan yet.");
        } else {
            CuratorStatus s = st.get();
            Map<String, String> f = new LinkedHashMap<>();
            f.put("Published by", s.leader());
            f.put("Execution ID", s.executionId() + " (" + s.type() + ", " + s.reason() + ")");
            f.put("State", s.state());
            f.put("Started", s.started());
            f.put("Updated", s.updated());
            f.put("Extent groups scanned", Long.toString(s.egroupsScanned()));
            f.put("Repairs done", Long.toString(s.repairs()));
            f.put("Repairs pending", Long.toString(s.pendingRepairs()));
            f.put("Orphaned replicas", Long.toString(s.orphans()));
            p.fields(f);
            p.subheading("Under-replication per container");
            p.table(List.of("Container", "Under-replicated extent groups", "Under-replicated bytes"),
                    s.containers().stream().map(c -> List.of(c.name(), Long.toString(c.underReplicatedEgroups()),
                            Long.toString(c.underReplicatedBytes()))).toList(), "no containers");
            p.subheading("Fault tolerance (failures tolerable now)");
            p.table(List.of("Domain", "Component", "Tolerable", "Detail"), s.faultTolerance().stream()
                    .map(t -> List.of(t.level(), t.component(), Integer.toString(t.tolerable()), t.detail())).toList(), "not computed");
        }
        return p;
    }

    private HtmlPage controlPage() {
        HtmlPage p = new HtmlPage("Curator control on " + source.self());
        p.paragraph("Start a Curator scan now. A scan of a type already queued or running is not queued twice: its execution id is "
                + "answered. Scans run one at a time.");
        p.link("", START + "?task_type=2", "Start a full scan (task_type=2)");
        p.link("", START + "?task_type=3", "Start a partial scan (task_type=3)");
        p.link("", "/", "Back to the Curator page");
        return p;
    }

    /** Queued scans other than the running one. */
    private List<CuratorService.Scan> waiting() {
        Optional<ScanHistory.Running> running = source.history().running();
        return source.queued().stream().filter(s -> running.isEmpty() || running.get().executionId() != s.id()).toList();
    }

    /**
     * The last successful scan of each type: from this leader's history, else from the published
     * status when it is a finished scan of that type (repairs and orphans then unknown: -1).
     */
    private Map<ScanType, LastScan> lastSuccessful() {
        Map<ScanType, LastScan> out = new LinkedHashMap<>();
        Map<ScanType, ScanHistory.Entry> mine = source.isLeader() ? source.history().lastSuccessful() : Map.of();
        Optional<CuratorStatus> st = source.status();
        for (ScanType t : ScanType.values()) {
            ScanHistory.Entry e = mine.get(t);
            if (e != null) {
                out.put(t, new LastScan(t.name(), e.executionId(), e.started().toString(), e.started().plus(e.duration()).toString(),
                        e.repairs(), e.orphansDeleted()));
            } else if (st.isPresent() && st.get().type().equals(t.name()) && st.get().state().equals(ScanHistory.SUCCEEDED)) {
                CuratorStatus s = st.get();
                out.put(t, new LastScan(t.name(), s.executionId(), s.started(), s.updated(), s.repairs(), -1));
            }
        }
        return out;
    }

    /** A row of "Last Successful Curator Scans". */
    record LastScan(String type, long executionId, String started, String finished, long repairs, long orphansDeleted) {
    }

    private Map<String, Object> json(ScanHistory.Running r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executionId", r.executionId());
        m.put("type", r.type().name());
        m.put("reason", r.reason());
        m.put("started", r.started().toString());
        m.put("runningMillis", Duration.between(r.started(), clock.now()).toMillis());
        return m;
    }

    private static Map<String, Object> json(ScanHistory.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executionId", e.executionId());
        m.put("type", e.type().name());
        m.put("reason", e.reason());
        m.put("started", e.started().toString());
        m.put("durationMillis", e.duration().toMillis());
        m.put("repairs", e.repairs());
        m.put("orphansDeleted", e.orphansDeleted());
        m.put("underReplicatedLeft", e.underReplicatedLeft());
        m.put("outcome", e.outcome());
        return m;
    }

    private static Map<String, Object> json(CuratorService.Scan s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executionId", s.id());
        m.put("type", s.type().name());
        m.put("reason", s.reason());
        return m;
    }

    /** {@code 850 ms}, {@code 42 s}, {@code 3 min 5 s}, {@code 2 h 7 min}, {@code 3 d 4 h}. */
    static String human(Duration d) {
        if (d.isNegative()) {
            return "0 s";
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            return d.toMillis() + " ms";
        }
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            return d.toSeconds() + " s";
        }
        if (d.compareTo(Duration.ofHours(1)) < 0) {
            return d.toMinutes() + " min " + d.toSecondsPart() + " s";
        }
        if (d.compareTo(Duration.ofDays(1)) < 0) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        return d.toDays() + " d " + d.toHoursPart() + " h";
    }
}
