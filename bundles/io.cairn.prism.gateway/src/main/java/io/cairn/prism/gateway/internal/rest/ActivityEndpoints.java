package io.cairn.prism.gateway.internal.rest;

import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.common.alerts.Alert;
import io.cairn.common.alerts.AlertService;
import io.cairn.common.alerts.Severity;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.common.tasks.TaskInfo;
import io.cairn.common.tasks.TaskService;
import io.cairn.common.tasks.TaskState;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;

/**
 * Tasks, alerts and events over REST (spec 10 §10, §16), from the cluster's task service and alert
 * bus. An <em>event</em> is any entry on the bus; an <em>alert</em> is one of severity WARNING or
 * CRITICAL. A long operation elsewhere answers 202 with a task uuid that {@code GET /tasks/{uuid}}
 * follows until it is {@code SUCCEEDED}, {@code FAILED} or {@code ABORTED}.
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class ActivityEndpoints implements ApiEndpoints {

    /** The bus keeps its newest 1,000 entries; a list reads them all. */
    private static final int BUS_KEEP = 1000;

    static final Schema TASK = Entities.schema("task", Schema.object("what was asked")
            .property("type", Schema.string("the kind of work, e.g. curator.scan"))
            .property("parent", Schema.string("the parent task's uuid, or empty"))
            .property("params", Schema.string("the request (JSON text)")),
            Schema.object("where it is").property("state", Schema.string("its state").values(names(TaskState.values())))
                    .property("percent", Schema.integer("progress 0..100"))
                    .property("message", Schema.string("the last progress message, or why it failed"))
                    .property("result", Schema.string("the result when it SUCCEEDED (JSON text)"))
                    .property("executor", Schema.string("the node that runs or ran it"))
                    .property("created", Schema.string("ISO-8601")).property("updated", Schema.string("ISO-8601")));

    static final Schema ALERT_SPEC = Schema.object("what happened").property("severity", Schema.string("").values(names(Severity.values())))
            .property("source", Schema.string("what raised it")).property("node", Schema.string("the node it concerns, or empty"))
            .property("title", Schema.string("one line")).property("message", Schema.string("the detail"));
    static final Schema ALERT_STATUS = Schema.object("acknowledgement").property("raised", Schema.string("ISO-8601"))
            .property("acknowledged", Schema.bool("whether someone acknowledged it"))
            .property("acknowledged_by", Schema.string("who, or empty")).property("acknowledged_at", Schema.string("ISO-8601, or empty"));
    static final Schema ALERT = Entities.schema("alert", ALERT_SPEC, ALERT_STATUS);
    static final Schema EVENT = Entities.schema("event", ALERT_SPEC, ALERT_STATUS);

    private final TaskService tasks;
    private final AlertService alerts;

    @Activate
    public ActivityEndpoints(@Reference TaskService tasks, @Reference AlertService alerts) {
        this.tasks = tasks;
        this.alerts = alerts;
    }

    @Override
    public String tag() {
        return "activity";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.list("/tasks", "task", "Tasks, oldest first", TASK, r -> ApiResponse.ok(Entities.list(
                        tasks.list().stream().map(ActivityEndpoints::task).toList()))),
                ApiOperation.get("/tasks/{uuid}", "task", "One task (poll it until SUCCEEDED, FAILED or ABORTED)", TASK,
                        r -> ApiResponse.ok(task(tasks.get(r.path("uuid")).orElseThrow(() -> ApiException.notFound("no task "
                                + r.path("uuid") + "; GET /api/v1/tasks lists them"))))),
                new ApiOperation("POST", "/tasks/{uuid}/abort", "task", Action.OPERATE, "Ask a task to stop (a queued one stops at once)",
                        null, TASK, 200, false, r -> ApiResponse.ok(task(tasks.abort(r.path("uuid"))))),
                ApiOperation.list("/alerts", "alert", "Alerts (WARNING and CRITICAL), oldest first", ALERT,
                        r -> ApiResponse.ok(Entities.list(bus(a -> a.severity() != Severity.INFO).stream().map(a -> alert("alert", a))
                                .toList()))),
                ApiOperation.get("/alerts/{uuid}", "alert", "One alert", ALERT, r -> ApiResponse.ok(alert("alert", find(r.path("uuid"), true)))),
                new ApiOperation("POST", "/alerts/{uuid}/acknowledge", "alert", Action.OPERATE, "Acknowledge an alert", null, ALERT, 200, false,
                        r -> {
                            find(r.path("uuid"), true);
                            return ApiResponse.ok(alert("alert", alerts.acknowledge(r.path("uuid"), r.caller().name())));
                        }),
                ApiOperation.list("/events", "event", "Events (every entry of the alert bus, INFO included), oldest first", EVENT,
                        r -> ApiResponse.ok(Entities.list(bus(a -> true).stream().map(a -> alert("event", a)).toList()))),
                ApiOperation.get("/events/{uuid}", "event", "One event", EVENT, r -> ApiResponse.ok(alert("event", find(r.path("uuid"), false)))));
    }

    private List<Alert> bus(Predicate<Alert> which) {
        return alerts.list(BUS_KEEP).stream().filter(which).toList();
    }

    private Alert find(String id, boolean alertOnly) {
        String what = alertOnly ? "alert" : "event";
        return bus(a -> a.id().equals(id)).stream().filter(a -> !alertOnly || a.severity() != Severity.INFO).findFirst()
                .orElseThrow(() -> ApiException.notFound("no " + what + " " + id + " (only the newest " + BUS_KEEP + " are kept); GET /api/v1/"
                        + what + "s lists them"));
    }

    static ObjectNode task(TaskInfo t) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("type", t.type()).put("parent", t.parent()).put("params", t.params());
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("state", t.state().name()).put("percent", t.percent())
                .put("message", t.message()).put("result", t.result()).put("executor", t.executor())
                .put("created", String.valueOf(t.created())).put("updated", String.valueOf(t.updated()));
        return Entities.entity("task", t.id(), Entities.versionOf(t.state(), t.percent(), t.message(), t.updated()), spec, status);
    }

    static ObjectNode alert(String kind, Alert a) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("severity", a.severity().name()).put("source", a.source())
                .put("node", a.node()).put("title", a.title()).put("message", a.message());
        Instant at = a.acknowledged();
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("raised", String.valueOf(a.raised()))
                .put("acknowledged", a.isAcknowledged()).put("acknowledged_by", a.acknowledgedBy())
                .put("acknowledged_at", at == null ? "" : at.toString());
        return Entities.entity(kind, a.id(), Entities.versionOf(a.acknowledgedBy(), at), spec, status);
    }

    private static String[] names(Enum<?>[] values) {
        return java.util.Arrays.stream(values).map(Enum::name).toArray(String[]::new);
    }
}
