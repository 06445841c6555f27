package io.cairn.common.tasks;

import java.util.List;
import java.util.Optional;

/**
 * Submits and follows tasks. Tasks are persisted cluster-wide; the leader of the tasks role runs
 * them. A task that was RUNNING when its leader died is marked FAILED by the next leader, never
 * started a second time.
 */
@org.osgi.annotation.versioning.ProviderType
public interface TaskService {

    /**
     * Queues a task.
     *
     * @param parent a parent task id, or null
     * @throws io.cairn.common.error.CairnException INVALID_ARGUMENT for an unknown type or parent
     */
    TaskInfo submit(String type, String params, String parent);

    Optional<TaskInfo> get(String id);

    /** Every task, oldest first. */
    List<TaskInfo> list();

    /** Asks a task to stop: a queued task is ABORTED at once, a running one when its handler checks. */
    TaskInfo abort(String id);
}
