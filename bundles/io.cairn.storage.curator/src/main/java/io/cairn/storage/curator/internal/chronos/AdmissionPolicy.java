package io.cairn.storage.curator.internal.chronos;

/**
 * Admission control of one node's background tasks (spec 20 §21: user I/O first, background
 * throttled): at most {@link Limits#maxTasks} run at once, and they start at most at
 * {@link Limits#tasksPerSec} (a token bucket holding one second's worth, at least one task), lowered
 * to {@link Limits#busyTasksPerSec} while the node's Stargate serves at least
 * {@link Limits#busyUserOpsPerSec} user operations per second. {@link Priority#LAST_REPLICA} tasks
 * are never held back by the rate (only by the number running), so repairing data one failure away
 * from loss is never starved; they still use up tokens, so less urgent tasks wait behind them.
 * Thread-safe; time comes from the caller (monotonic nanoseconds).
 */
public final class AdmissionPolicy {

    /**
     * @param maxTasks          tasks running at once on the node, at least 1
     * @param tasksPerSec       task starts per second when user I/O is quiet, more than 0
     * @param busyTasksPerSec   task starts per second when it is busy, more than 0
     * @param busyUserOpsPerSec user operations per second from which the node counts as busy
     */
    public record Limits(int maxTasks, double tasksPerSec, double busyTasksPerSec, long busyUserOpsPerSec) {
        public Limits {
            if (maxTasks < 1) {
                throw new IllegalArgumentException("chronos_max_tasks_per_node must be at least 1, not " + maxTasks);
            }
            if (!(tasksPerSec > 0) || !(busyTasksPerSec > 0)) {
                throw new IllegalArgumentException("chronos_tasks_per_sec and chronos_busy_tasks_per_sec must be more than 0, not "
                        + tasksPerSec + " and " + busyTasksPerSec);
            }
        }

        public boolean busy(long userOpsPerSec) {
            return userOpsPerSec >= busyUserOpsPerSec;
        }

        public double rate(long userOpsPerSec) {
            return busy(userOpsPerSec) ? busyTasksPerSec : tasksPerSec;
        }
    }

    /** Run the task now; all {@link Limits#maxTasks} slots are taken; or wait {@code nanos} for the rate. */
    public record Decision(Kind kind, long waitNanos) {
        public enum Kind {
            ADMIT, FULL, WAIT
        }

        static final Decision ADMIT = new Decision(Kind.ADMIT, 0);
        static final Decision FULL = new Decision(Kind.FULL, 0);

        public boolean admitted() {
            return kind == Kind.ADMIT;
        }
    }

    private double tokens;
    private long refilledAt;
    private boolean primed;

    /**
     * Whether a task of {@code priority} may start now, with {@code running} tasks running on the
     * node and its user I/O at {@code userOpsPerSec}; an admitted task has taken its token.
     */
    public synchronized Decision admit(Priority priority, int running, long userOpsPerSec, long nowNanos, Limits limits) {
        if (running >= limits.maxTasks()) {
            return Decision.FULL;
        }
        double rate = limits.rate(userOpsPerSec);
        double burst = Math.max(1, rate);
        if (!primed) {
            primed = true;
            tokens = burst;
        } else {
            tokens = Math.min(burst, tokens + Math.max(0, nowNanos - refilledAt) / 1e9 * rate);
        }
        refilledAt = nowNanos;
        if (priority == Priority.LAST_REPLICA) {
            tokens = Math.max(0, tokens - 1);
            return Decision.ADMIT;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return Decision.ADMIT;
        }
        return new Decision(Decision.Kind.WAIT, (long) Math.ceil((1 - tokens) / rate * 1e9));
    }
}
