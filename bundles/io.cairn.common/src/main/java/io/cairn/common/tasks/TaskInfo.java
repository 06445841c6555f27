package io.cairn.common.tasks;

import java.time.Instant;
import java.util.Objects;

/**
 * A task as persisted.
 *
 * @param id       cluster-unique id
 * @param type     the handler type that runs it
 * @param parent   the parent task id, or empty
 * @param params   the request (JSON text by convention)
 * @param state    where it is
 * @param percent  progress 0..100
 * @param message  last progress message, or the failure reason
 * @param result   the handler's result when SUCCEEDED (JSON text by convention)
 * @param executor the node that runs or ran it, or empty
 * @param epoch    the tasks-leader epoch it ran under (0 before it ran)
 * @param attempts how many times a leader started it (never more than 1 by design)
 */
public record TaskInfo(String id, String type, String parent, String params, TaskState state, int percent,
        String message, String result, String executor, long epoch, int attempts, Instant created, Instant updated) {

    public TaskInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(state, "state");
        parent = parent == null ? "" : parent;
        params = params == null ? "" : params;
        message = message == null ? "" : message;
        result = result == null ? "" : result;
        executor = executor == null ? "" : executor;
    }
}
