package io.cairn.storage.curator.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.RpcClient;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.common.tasks.TaskContext;
import io.cairn.common.tasks.TaskHandler;

/**
 * The task {@value #TYPE} (params {@code {"type": "full"|"partial"}}): asks the Curator leader for a
 * scan and follows the published status until that scan has succeeded. It is how Prism's
 * {@code POST /api/v1/cluster/curator_scans} answers 202 with a task uuid. The task fails when the
 * Curator leader changes before the scan completes (the new leader does not inherit the queue) or
 * when the scan has not finished within {@link #LIMIT}.
 */
@Component(service = TaskHandler.class, property = {TaskHandler.TYPE + "=" + ScanTask.TYPE,
        ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE})
public final class ScanTask implements TaskHandler {

    public static final String TYPE = "curator.scan";
    static final Duration LIMIT = Duration.ofHours(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Logger logger = LoggerFactory.getLogger(ScanTask.class);
    private final CuratorService curator;
    private final RpcClient rpc;

    @Activate
    public ScanTask(@Reference CuratorService curator, @Reference RpcClient rpc) {
        this.curator = curator;
        this.rpc = rpc;
    }

    /** The {@code task_type} of a scan {@code type}: 2 full, 3 partial. */
    public static String taskType(String type) {
        return switch (type) {
            case "full" -> "2";
            case "partial" -> "3";
            default -> throw CairnException.invalid("scan type '" + type + "' is neither 'full' nor 'partial'");
        };
    }

    @Override
    public String run(TaskContext context) throws Exception {
        JsonNode params = context.task().params().isBlank() ? JSON.createObjectNode() : JSON.readTree(context.task().params());
        String type = params.path("type").asText("partial");
        String taskType = taskType(type);
        boolean here = curator.isLeader();
        String leader = curator.leader().orElseThrow(() -> new CairnException(io.cairn.common.error.ErrorCode.UNAVAILABLE,
                "no Curator leader is elected yet; start the scan again in a minute"));
        long id;
        if (here) {
            id = curator.start(CuratorService.ScanType.ofTaskType(taskType), "task " + context.task().id());
        } else {
            byte[] answer = rpc.call(leader, CuratorRpc.START, JSON.writeValueAsBytes(Map.of("task_type", taskType)), Duration.ofSeconds(10));
            id = JSON.readTree(answer).path("executionId").asLong();
        }
        context.progress(5, "Curator scan " + id + " (" + type + ") queued on the Curator leader " + leader);
        logger.info("task {}: Curator scan {} ({}) queued on {}", context.task().id(), id, type, leader);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        boolean running = false;
        while (System.nanoTime() < deadline) {
            if (context.aborted()) {
                throw new IllegalStateException("aborted while Curator scan " + id + " ran (the scan itself completes on the leader)");
            }
            String now = curator.leader().orElse("");
            if (!now.equals(leader)) {
                throw new IllegalStateException("the Curator leader changed from " + leader + " to " + (now.isEmpty() ? "none" : now)
                        + " before scan " + id + " completed; start the scan again");
            }
            // only the status this leader published counts: a new leader numbers its scans on from the last published one
            Optional<CuratorStatus> s = curator.status().filter(st -> st.leader().equals(leader));
            if (s.isPresent() && (s.get().executionId() == id && "succeeded".equals(s.get().state()) || s.get().executionId() > id)) {
                CuratorStatus st = s.get();
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("execution_id", id);
                result.put("type", type);
                result.put("leader", leader);
                if (st.executionId() == id) {
                    result.put("egroups_scanned", st.egroupsScanned());
                    result.put("repairs", st.repairs());
                    result.put("pending_repairs", st.pendingRepairs());
                    result.put("orphans", st.orphans());
                } else {
                    result.put("note", "scan " + st.executionId() + " has run since; its figures replaced this one's");
                }
                return JSON.writeValueAsString(result);
            }
            if (!running && s.isPresent() && s.get().executionId() == id) {
                running = true;
                context.progress(50, "Curator scan " + id + " running on " + leader);
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("Curator scan " + id + " did not complete within " + LIMIT.toMinutes() + " minutes");
    }
}
