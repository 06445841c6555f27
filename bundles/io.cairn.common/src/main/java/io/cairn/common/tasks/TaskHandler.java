package io.cairn.common.tasks;

/** Runs tasks of one type: a whiteboard service with the property {@value #TYPE}. */
@org.osgi.annotation.versioning.ConsumerType
public interface TaskHandler {

    /** Service property: the task type this handler runs. */
    String TYPE = "cairn.task.type";

    /**
     * Runs the task and returns its result. Throwing fails the task with the exception's message.
     * Long handlers report progress and stop when {@link TaskContext#aborted()}.
     */
    String run(TaskContext context) throws Exception;
}
