package io.cairn.storage.curator.internal.chronos;

/**
 * Does the work of a task. Must be idempotent: a task whose runner stopped before recording the
 * outcome runs again. Returning is success; an exception is a failed attempt (retried later, given
 * up after {@link ChronosWorker#MAX_ATTEMPTS}); an interrupt asks it to stop.
 */
@FunctionalInterface
public interface TaskRunner {

    void run(String id, TaskRecord task) throws Exception;
}
