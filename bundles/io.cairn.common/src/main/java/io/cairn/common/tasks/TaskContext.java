package io.cairn.common.tasks;

/** A running task, as its handler sees it. */
@org.osgi.annotation.versioning.ProviderType
public interface TaskContext {

    TaskInfo task();

    /**
     * Records progress. Fails with FAILED_PRECONDITION once this node no longer leads the tasks
     * role (the handler must then stop: its task belongs to the next leader's decision).
     */
    void progress(int percent, String message);

    /** True once someone asked to abort this task. */
    boolean aborted();

    /** Queues a child task of this one. */
    TaskInfo submitChild(String type, String params);
}
