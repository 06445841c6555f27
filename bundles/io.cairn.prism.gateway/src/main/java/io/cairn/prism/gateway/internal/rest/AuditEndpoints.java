package io.cairn.prism.gateway.internal.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiRequest;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;
import io.cairn.security.auth.AuditLog;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;

/**
 * The audit log over REST (spec 30 §10): {@code GET /audit/events} answers with the records of <em>every</em> node
 * of the cluster (each node keeps its own hash-chained log), merged oldest first. The serving node reads its own log
 * and asks every other node for its records with the RPC {@value #READ}, in parallel, which this component also serves.
 * A node that does not answer within {@link #DEADLINE} is named in {@code metadata.unreachable_nodes} and the answer
 * holds the records of the others (a down node must not hide the rest of the cluster's trail); {@code ?node=} restricts
 * the query to one node (uuid or address). Each node returns at most {@link #PER_NODE_CAP} newest matching records;
 * {@code metadata.truncated} says some node had more (narrow with {@code ?from=}/{@code ?to=}).
 */
@Component(service = {ApiEndpoints.class, RpcHandler.class}, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        RpcHandler.METHOD + "=" + AuditEndpoints.READ})
public final class AuditEndpoints implements ApiEndpoints, RpcHandler {

    /** The RPC a node serves its own audit records with. */
    static final String READ = "prism.audit.read";
    static final int PER_NODE_CAP = 10_000;
    static final Duration DEADLINE = Duration.ofSeconds(10);

    static final Schema AUDIT_EVENT = Entities.schema("audit_event", Schema.object("what was done").property("user", Schema.string(""))
            .property("provider", Schema.string("")).property("source_ip", Schema.string("")).property("action", Schema.string(""))
            .property("target", Schema.string("")).property("result", Schema.string("SUCCESS, FAILURE or DENIED"))
            .property("details", Schema.object("").open()),
            Schema.object("where it is in the chain").property("ts", Schema.string("RFC 3339")).property("node", Schema.string(""))
                    .property("seq", Schema.integer("")).property("prev_hash", Schema.string("")).property("hash", Schema.string("")));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<AuditRecord>> RECORDS = new TypeReference<>() {
    };

    private final AuditLog audit;
    private final Zeus zeus;
    private final RpcClient rpc;
    private final LocalNode local;

    @Activate
    public AuditEndpoints(@Reference AuditLog audit, @Reference Zeus zeus, @Reference RpcClient rpc, @Reference LocalNode local) {
        this.audit = audit;
        this.zeus = zeus;
        this.rpc = rpc;
        this.local = local;
    }

    @Override
    public String tag() {
        return "audit";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(ApiOperation.list("/audit/events", "audit", "The audit records of every node of the cluster, oldest first "
                + "(?from=&to= RFC 3339, ?actor=, ?action=, ?node= uuid or address); metadata.unreachable_nodes names nodes that "
                + "did not answer, metadata.truncated says a node had more than " + PER_NODE_CAP + " matching records",
                AUDIT_EVENT, this::events));
    }

    private ApiResponse events(ApiRequest r) {
        AuditQuery query = query(r);
        List<NodeIdentity> nodes = zeus.cluster().nodes();
        String only = r.query("node").orElse(null);
        if (only != null) {
            nodes = nodes.stream().filter(n -> n.uuid().toString().equalsIgnoreCase(only) || n.address().equals(only)).toList();
            if (nodes.isEmpty()) {
                throw ApiException.badRequest("UNKNOWN_NODE", "?node=" + only + " is no node of this cluster; GET /api/v1/hosts lists them "
                        + "(uuid or address)");
            }
        }
        byte[] request = request(query);
        Map<NodeIdentity, Future<List<AuditRecord>>> answers = new LinkedHashMap<>();
        List<AuditRecord> all = new ArrayList<>();
        ArrayNode unreachable = JsonNodeFactory.instance.arrayNode();
        boolean truncated = false;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (NodeIdentity n : nodes) {
                boolean self = n.uuid().equals(local.identity().uuid());
                answers.put(n, pool.submit(() -> self ? audit.read(query) : JSON.readValue(rpc.call(n.address(), READ, request, DEADLINE), RECORDS)));
            }
            long end = System.nanoTime() + DEADLINE.toNanos() + TimeUnit.SECONDS.toNanos(1);
            for (Map.Entry<NodeIdentity, Future<List<AuditRecord>>> a : answers.entrySet()) {
                try {
                    List<AuditRecord> records = a.getValue().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                    truncated |= records.size() >= PER_NODE_CAP;
                    all.addAll(records);
                } catch (ExecutionException | TimeoutException e) {
                    a.getValue().cancel(true);
                    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                    unreachable.addObject().put("uuid", a.getKey().uuid().toString()).put("address", a.getKey().address())
                            .put("error", cause instanceof TimeoutException ? "no answer within " + DEADLINE.toSeconds() + " s"
                                    : String.valueOf(cause.getMessage()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.cairn.common.error.CairnException(io.cairn.common.error.ErrorCode.UNAVAILABLE, "interrupted while reading the audit logs");
        }
        all.sort(Comparator.comparing(AuditRecord::ts).thenComparing(AuditRecord::node).thenComparingLong(AuditRecord::seq));
        ObjectNode out = Entities.list(all.stream().map(AuditEndpoints::auditEvent).toList());
        ObjectNode metadata = out.putObject("metadata");
        metadata.set("unreachable_nodes", unreachable);
        metadata.put("truncated", truncated);
        return ApiResponse.ok(out);
    }

    /** {@value #READ}: this node's records matching the query (JSON: from, to, actor, action), at most {@link #PER_NODE_CAP}. */
    @Override
    public byte[] handle(RpcCall call) throws IOException {
        JsonNode q = JSON.readTree(call.body());
        AuditQuery query = new AuditQuery(instant(q.path("from")), instant(q.path("to")), text(q.path("actor")), text(q.path("action")),
                PER_NODE_CAP);
        return JSON.writeValueAsBytes(audit.read(query));
    }

    static byte[] request(AuditQuery q) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (q.from() != null) {
            body.put("from", q.from().toString());
        }
        if (q.to() != null) {
            body.put("to", q.to().toString());
        }
        body.put("actor", q.user()).put("action", q.action());
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Instant instant(JsonNode n) {
        return n.isTextual() ? Instant.parse(n.asText()) : null;
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : null;
    }

    static AuditQuery query(ApiRequest r) {
        return new AuditQuery(instant(r, "from"), instant(r, "to"), r.query("actor").orElse(null), r.query("action").orElse(null),
                PER_NODE_CAP);
    }

    private static Instant instant(ApiRequest r, String name) {
        return r.query(name).map(v -> {
            try {
                return Instant.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("INVALID_TIME", "?" + name + "=" + v + " is not an RFC 3339 UTC time such as 2026-12-05T10:00:00Z");
            }
        }).orElse(null);
    }

    static ObjectNode auditEvent(AuditRecord a) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("user", a.user()).put("provider", a.provider()).put("source_ip", a.sourceIp())
                .put("action", a.action()).put("target", a.target()).put("result", a.result() == null ? null : a.result().name());
        ObjectNode details = spec.putObject("details");
        if (a.details() != null) {
            a.details().forEach(details::put);
        }
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("ts", a.ts()).put("node", a.node()).put("seq", a.seq())
                .put("prev_hash", a.prevHash()).put("hash", a.hash());
        return Entities.entity("audit_event", a.node() + ":" + a.seq(), a.seq(), spec, status);
    }
}
