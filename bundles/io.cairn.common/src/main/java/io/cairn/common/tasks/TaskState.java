package io.cairn.common.tasks;

/** A task's life: QUEUED → RUNNING → SUCCEEDED | FAILED | ABORTED. */
public enum TaskState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, ABORTED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == ABORTED;
    }
}
