package io.cairn.storage.curator.internal.chronos;

import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A task as stored in its node's queue (JSON): what to do, the scan that emitted it, and how far it
 * got. Times are epoch milliseconds of the writer's clock.
 *
 * @param kind      {@link TaskKind#label()}
 * @param args      the kind's arguments
 * @param priority  {@link Priority#digit()} (also in the key)
 * @param execution the execution id of the Curator scan that emitted it
 * @param state     queued, running or failed (given up after {@link ChronosWorker#MAX_ATTEMPTS}, kept until a scan collects it)
 * @param runner    while running: the incarnation (one per start of the node's Chronos) that claimed it
 * @param started   while running: when it was claimed
 * @param heartbeat while running: when the runner last renewed its claim
 * @param attempts  runs that failed so far
 * @param retryAt   while queued after a failure: not before this
 * @param created   when it was queued
 * @param error     the last failure
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskRecord(@JsonProperty("kind") String kind, @JsonProperty("args") Map<String, String> args,
        @JsonProperty("priority") int priority, @JsonProperty("execution") long execution, @JsonProperty("state") State state,
        @JsonProperty("runner") String runner, @JsonProperty("started") long started, @JsonProperty("heartbeat") long heartbeat,
        @JsonProperty("attempts") int attempts, @JsonProperty("retry_at") long retryAt, @JsonProperty("created") long created,
        @JsonProperty("error") String error) {

    public enum State {
        QUEUED, RUNNING, FAILED
    }

    public TaskRecord {
        args = args == null ? Map.of() : Map.copyOf(args);
        state = state == null ? State.QUEUED : state;
    }

    /** A new queued task. */
    static TaskRecord queued(Task t, long execution, long now) {
        return new TaskRecord(t.kind().label(), t.sortedArgs(), t.priority().digit(), execution, State.QUEUED, null, 0, 0, 0, 0, now,
                null);
    }

    TaskKind taskKind() {
        return TaskKind.of(kind);
    }

    String arg(String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("Chronos task of kind " + kind + " has no argument '" + name + "': " + args);
        }
        return v;
    }

    UUID uuidArg(String name) {
        return UUID.fromString(arg(name));
    }

    long longArg(String name) {
        return Long.parseLong(arg(name));
    }

    TaskRecord claimed(UUID incarnation, long now) {
        return new TaskRecord(kind, args, priority, execution, State.RUNNING, incarnation.toString(), now, now, attempts, 0, created, error);
    }

    TaskRecord renewed(long now) {
        return new TaskRecord(kind, args, priority, execution, state, runner, started, now, attempts, retryAt, created, error);
    }

    /** Back in the queue after a failed run, not before {@code retryAt}. */
    TaskRecord retry(String why, long retryAt) {
        return new TaskRecord(kind, args, priority, execution, State.QUEUED, null, 0, 0, attempts + 1, retryAt, created, why);
    }

    /** Given up: kept (not run) until a scan collects it. */
    TaskRecord failed(String why) {
        return new TaskRecord(kind, args, priority, execution, State.FAILED, null, 0, 0, attempts + 1, 0, created, why);
    }

    /**
     * {@code t} as this record's replacement, queued for scan {@code execution}: with the attempts
     * so far when it only moves (to another node or priority), from scratch when it had failed.
     */
    TaskRecord replacedBy(Task t, long execution, long now) {
        TaskRecord fresh = queued(t, execution, now);
        if (state == State.FAILED) {
            return fresh;
        }
        return new TaskRecord(fresh.kind, fresh.args, fresh.priority, execution, State.QUEUED, null, 0, 0, attempts, retryAt, now, error);
    }

    boolean runningBy(UUID incarnation) {
        return state == State.RUNNING && incarnation.toString().equals(runner);
    }
}
