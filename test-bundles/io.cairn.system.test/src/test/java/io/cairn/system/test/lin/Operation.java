package io.cairn.system.test.lin;

import java.util.Objects;

/**
 * One operation of a recorded history, as seen by the client that issued it, on a single key of a
 * key/value store whose keys are independent read/write/compare-and-set registers. Values are
 * strings; {@code null} means "absent" (the initial state of every key).
 *
 * <p>Semantics, by {@link Kind} and {@link Outcome}:
 * <ul>
 *   <li>{@link Kind#READ} with {@link Outcome#OK}: {@code value} is the value read ({@code null} =
 *       absent). A READ with any other outcome carries no information and is ignored.
 *   <li>{@link Kind#WRITE}: sets the register to {@code value}. {@link Outcome#OK} = applied,
 *       {@link Outcome#UNKNOWN} = may or may not have been applied (timeout, lost reply),
 *       {@link Outcome#FAILED} = definitely not applied (ignored). {@link Outcome#CONFLICT} is
 *       meaningless for a WRITE and rejected.
 *   <li>{@link Kind#CAS}: if the register equals {@code expected} ({@code null} = absent) it is set to
 *       {@code value}. {@link Outcome#OK} = applied (the register equalled {@code expected} at the
 *       linearization point), {@link Outcome#CONFLICT} = took effect with the register <em>not</em>
 *       equal to {@code expected} and changed nothing, {@link Outcome#UNKNOWN} = may have been applied
 *       or not at all, {@link Outcome#FAILED} = ignored.
 * </ul>
 *
 * <p>Times are from one monotonic clock (e.g. {@link System#nanoTime()} in the test driver). If
 * {@code a.completeNanos() < b.invokeNanos()} then {@code a} must be linearized before {@code b}.
 * The completion of an {@link Outcome#UNKNOWN} operation is not a bound (it may take effect at any
 * time after its invocation, or never); its {@code completeNanos} is kept for display only.
 *
 * @param client        id of the issuing client (for explanations only)
 * @param key           the register the operation addresses; never null
 * @param kind          what the operation does
 * @param expected      for {@link Kind#CAS}, the value the register must hold for the CAS to apply
 *                      ({@code null} = absent); unused otherwise
 * @param value         for {@link Kind#READ} the value read, for {@link Kind#WRITE} and {@link Kind#CAS}
 *                      the value written; {@code null} = absent
 * @param outcome       what the client learned about the operation
 * @param invokeNanos   when the client issued the operation
 * @param completeNanos when the client received the reply (or gave up, for {@link Outcome#UNKNOWN});
 *                      must not precede {@code invokeNanos} unless the outcome is UNKNOWN
 */
public record Operation(int client, String key, Kind kind, String expected, String value, Outcome outcome,
        long invokeNanos, long completeNanos) {

    /** What an operation does to its register. */
    public enum Kind { READ, WRITE, CAS }

    /** What the client learned about an operation. */
    public enum Outcome {
        /** Completed and (for WRITE/CAS) applied. */
        OK,
        /** A CAS that completed without applying because the register did not hold the expected value. */
        CONFLICT,
        /** May or may not have taken effect, at any time after invocation. */
        UNKNOWN,
        /** Definitely had no effect; ignored by the checker. */
        FAILED
    }

    /**
     * Validates the operation.
     *
     * @throws NullPointerException     if {@code key}, {@code kind} or {@code outcome} is null
     * @throws IllegalArgumentException for a WRITE with outcome CONFLICT, or a non-UNKNOWN operation
     *                                  that completes before it is invoked
     */
    public Operation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        if (kind == Kind.WRITE && outcome == Outcome.CONFLICT) {
            throw new IllegalArgumentException("a WRITE cannot end in CONFLICT: " + kind + " " + key);
        }
        if (outcome != Outcome.UNKNOWN && completeNanos < invokeNanos) {
            throw new IllegalArgumentException("completes (" + completeNanos + ") before it is invoked ("
                    + invokeNanos + "): client " + client + " " + kind + " " + key);
        }
    }

    /** A successful read of {@code value} ({@code null} = absent). */
    public static Operation read(int client, String key, String value, long invokeNanos, long completeNanos) {
        return new Operation(client, key, Kind.READ, null, value, Outcome.OK, invokeNanos, completeNanos);
    }

    /** A write of {@code value} with the given outcome. */
    public static Operation write(int client, String key, String value, Outcome outcome, long invokeNanos,
            long completeNanos) {
        return new Operation(client, key, Kind.WRITE, null, value, outcome, invokeNanos, completeNanos);
    }

    /** A compare-and-set {@code expected → value} with the given outcome. */
    public static Operation cas(int client, String key, String expected, String value, Outcome outcome,
            long invokeNanos, long completeNanos) {
        return new Operation(client, key, Kind.CAS, expected, value, outcome, invokeNanos, completeNanos);
    }

    /**
     * Whether the checker takes this operation into account: FAILED operations and READs that did not
     * complete OK have no observable effect and are dropped.
     */
    public boolean relevant() {
        return switch (kind) {
            case READ -> outcome == Outcome.OK;
            case WRITE, CAS -> outcome != Outcome.FAILED;
        };
    }
}
