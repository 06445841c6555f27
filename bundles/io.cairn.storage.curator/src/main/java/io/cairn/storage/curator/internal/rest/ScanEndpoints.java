package io.cairn.storage.curator.internal.rest;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.common.tasks.TaskInfo;
import io.cairn.common.tasks.TaskService;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Schema;
import io.cairn.storage.curator.internal.ScanTask;

/**
 * Curator over REST: {@code POST /cluster/curator_scans} starts a scan as a task and answers 202
 * with its uuid (the API's pattern for long operations: follow {@code GET /api/v1/tasks/{uuid}}).
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class ScanEndpoints implements ApiEndpoints {

    static final Schema SCAN = Schema.object("the scan to run").required("type", Schema.string("full or partial").values("full", "partial"));
    static final Schema ACCEPTED = Schema.object("the task that runs it").property("task_uuid", Schema.string("GET /api/v1/tasks/{uuid}"));

    private final TaskService tasks;

    @Activate
    public ScanEndpoints(@Reference TaskService tasks) {
        this.tasks = tasks;
    }

    @Override
    public String tag() {
        return "curator";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(new ApiOperation("POST", "/cluster/curator_scans", "cluster", Action.OPERATE,
                "Start a Curator scan (202: follow the task)", SCAN, ACCEPTED, 202, false, r -> {
                    String type = r.body().path("type").asText();
                    ScanTask.taskType(type);
                    TaskInfo t = tasks.submit(ScanTask.TYPE, JsonNodeFactory.instance.objectNode().put("type", type).toString(), null);
                    return new ApiResponse(202, JsonNodeFactory.instance.objectNode().put("task_uuid", t.id()));
                }));
    }
}
