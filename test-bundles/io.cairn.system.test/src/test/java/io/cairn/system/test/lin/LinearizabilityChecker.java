package io.cairn.system.test.lin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.cairn.system.test.lin.Operation.Outcome;

/**
 * Checks that a recorded history of {@link Operation}s on a key/value store is linearizable, where
 * every key is an independent read/write/compare-and-set register whose initial state is absent.
 *
 * <p>Linearizability is compositional (P-compositionality), so each key is checked on its own. For
 * one key the checker runs the Wing &amp; Gong search with Lowe's just-in-time linearization and
 * memoization, as in the Porcupine checker:
 * <ol>
 *   <li>The key's operations become a doubly-linked list of call and return events in time order
 *       (at equal times calls come first, so operations that merely touch are concurrent; only
 *       {@code a.completeNanos < b.invokeNanos} orders {@code a} before {@code b}).
 *   <li>Walking the list from the front, any call met before the first return is a candidate to be
 *       linearized next. If its effect is consistent with the current register state, it is
 *       linearized: its call and return are lifted out of the list and pushed on an explicit stack,
 *       and the walk restarts at the front.
 *   <li>Meeting a return means that operation had to be linearized already: the search backtracks
 *       (pops the stack, re-inserts the events and tries the next candidate).
 *   <li>Every (set of linearized operations, register state) pair reached is cached; reaching a
 *       cached pair again is a dead end, which keeps the search from re-exploring equivalent
 *       interleavings.
 * </ol>
 *
 * <p>An {@link Outcome#UNKNOWN UNKNOWN} write or CAS has its return event placed after every other
 * event, so it never forces an ordering and may take effect at any point after its invocation. The
 * search succeeds as soon as every operation with a known outcome is linearized, so an UNKNOWN
 * operation may also never take effect. (An UNKNOWN CAS is only ever linearized as <em>applied</em>;
 * "linearized without effect" is the same as "never linearized".) FAILED operations and READs that
 * did not complete OK are ignored.
 *
 * <p>The search is exponential in the worst case, so it is bounded: once more than
 * {@code maxStatesPerKey} distinct states have been explored for one key the check gives up and
 * returns an undecided result, which is never a pass.
 *
 * <p>This class is stateless and thread-safe.
 */
public final class LinearizabilityChecker {

    /**
     * Default bound on explored (linearized-set, state) pairs per key. Each explored state keeps a
     * copy of the linearized-set bitset, so the cache of a key with {@code n} operations needs up to
     * about {@code maxStatesPerKey * (n / 8 + 100)} bytes: about 0.5 GB for 3000 operations on one key.
     */
    public static final long DEFAULT_MAX_STATES_PER_KEY = 1_000_000;

    /** At most this many operations of the longest linearizable prefix are listed in an explanation. */
    private static final int MAX_PREFIX_LINES = 200;

    /** At most this many pending UNKNOWN operations are listed among those that could not come next. */
    private static final int MAX_UNKNOWN_LINES = 20;

    private LinearizabilityChecker() {
    }

    /**
     * The verdict.
     *
     * @param linearizable true only if every key was shown linearizable
     * @param decided      false if the search budget ran out before a verdict (then
     *                     {@code linearizable} is false too: an undecided check is not a pass)
     * @param key          the key that is not linearizable (or, if undecided, the first key that was
     *                     undecided); null if the history is linearizable
     * @param explanation  a human-readable account; for a violation: the key, the longest linearizable
     *                     prefix found and the operations none of which could be linearized next
     */
    public record Result(boolean linearizable, boolean decided, String key, String explanation) {

        /** True if the history was shown not linearizable (decided and not linearizable). */
        public boolean violation() {
            return decided && !linearizable;
        }

        @Override
        public String toString() {
            return (linearizable ? "LINEARIZABLE" : decided ? "NOT LINEARIZABLE" : "UNDECIDED")
                    + (key == null ? "" : " [key " + quote(key) + "]") + "\n" + explanation;
        }
    }

    /** Checks {@code history} with {@link #DEFAULT_MAX_STATES_PER_KEY}. */
    /** Drops UNKNOWN writes and CASes whose value was never seen by a read or expected by a successful CAS. */
    static List<Operation> withoutUnobservedUnknowns(List<Operation> ops) {
        java.util.Set<String> observed = new java.util.HashSet<>();
        for (Operation op : ops) {
            if (op.kind() == Operation.Kind.READ && op.outcome() == Operation.Outcome.OK && op.value() != null) {
                observed.add(op.value());
            }
            if (op.kind() == Operation.Kind.CAS && op.outcome() == Operation.Outcome.OK && op.expected() != null) {
                observed.add(op.expected());
            }
        }
        List<Operation> out = new ArrayList<>();
        for (Operation op : ops) {
            boolean unknownWrite = op.outcome() == Operation.Outcome.UNKNOWN && op.kind() != Operation.Kind.READ;
            if (!unknownWrite || observed.contains(op.value())) {
                out.add(op);
            }
        }
        return out;
    }

    public static Result check(List<Operation> history) {
        return check(history, DEFAULT_MAX_STATES_PER_KEY);
    }

    /**
     * Checks every key of {@code history}, in the order in which keys first appear. The first key
     * found not linearizable is reported; if none is but some key exhausted its budget, the first
     * such key is reported as undecided.
     *
     * @param history         the operations, in any order
     * @param maxStatesPerKey bound on the distinct states the search may explore for one key
     * @throws IllegalArgumentException if {@code maxStatesPerKey < 1}
     */
    public static Result check(List<Operation> history, long maxStatesPerKey) {
        Objects.requireNonNull(history, "history");
        if (maxStatesPerKey < 1) {
            throw new IllegalArgumentException("maxStatesPerKey must be positive: " + maxStatesPerKey);
        }
        long origin = Long.MAX_VALUE;
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        int ignored = 0;
        for (Operation op : history) {
            Objects.requireNonNull(op, "null operation in history");
            origin = Math.min(origin, op.invokeNanos());
            if (op.relevant()) {
                byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            } else {
                ignored++;
            }
        }
        Result undecided = null;
        long states = 0;
        int checked = 0;
        for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
            // Sound reduction first: an UNKNOWN write or CAS whose value no read (and no successful CAS)
            // ever observed may be treated as never applied. If the reduced history is linearizable, so is
            // the full one (choose "not applied" for each dropped op); otherwise search the full history.
            List<Operation> reduced = withoutUnobservedUnknowns(e.getValue());
            if (reduced.size() < e.getValue().size()) {
                KeySearch quick = new KeySearch(e.getKey(), reduced, origin, maxStatesPerKey);
                Result q = quick.run();
                states += quick.explored();
                if (q.linearizable() && q.decided()) {
                    checked += e.getValue().size();
                    continue;
                }
            }
            KeySearch search = new KeySearch(e.getKey(), e.getValue(), origin, maxStatesPerKey);
            Result r = search.run();
            states += search.explored();
            checked += e.getValue().size();
            if (r.violation()) {
                return r;
            }
            if (!r.decided() && undecided == null) {
                undecided = r;
            }
        }
        if (undecided != null) {
            return undecided;
        }
        return new Result(true, true, null, String.format(Locale.ROOT,
                "linearizable: %d key(s), %d operation(s) checked, %d ignored (FAILED, or READ not OK), %d state(s) explored",
                byKey.size(), checked, ignored, states));
    }

    /** The search for one key. Events are numbered {@code 2i} (call of op i) and {@code 2i+1} (its return). */
    private static final class KeySearch {

        private static final int READ = 0;
        private static final int WRITE = 1;
        private static final int CAS_APPLIED = 2;
        private static final int CAS_CONFLICT = 3;

        private final String key;
        private final Operation[] ops;
        private final long origin;
        private final long maxStates;
        private final int n;
        /** Per op: READ, WRITE, CAS_APPLIED or CAS_CONFLICT. */
        private final int[] code;
        /** Per op: interned {@code expected} and {@code value}; 0 = absent. */
        private final int[] expectedId;
        private final int[] valueId;
        private final boolean[] unknown;
        private final int determinate;
        /** All events in list order (the initial linked list). */
        private final int[] order;
        /** Linked list over events; {@code head = 2n}, {@code tail = 2n + 1} are sentinels. */
        private final int[] next;
        private final int[] prev;
        private final int head;
        private final int tail;
        private final Set<CacheKey> cache = new HashSet<>();
        private final List<String> valueNames = new ArrayList<>();

        private int bestDepth = -1;
        private int[] bestPrefix = new int[0];
        private int bestState;

        KeySearch(String key, List<Operation> keyOps, long origin, long maxStates) {
            this.key = key;
            this.ops = keyOps.toArray(Operation[]::new);
            this.origin = origin;
            this.maxStates = maxStates;
            this.n = ops.length;
            this.code = new int[n];
            this.expectedId = new int[n];
            this.valueId = new int[n];
            this.unknown = new boolean[n];
            Map<String, Integer> ids = new HashMap<>();
            valueNames.add(null);
            int det = 0;
            for (int i = 0; i < n; i++) {
                Operation op = ops[i];
                unknown[i] = op.outcome() == Outcome.UNKNOWN;
                det += unknown[i] ? 0 : 1;
                code[i] = switch (op.kind()) {
                    case READ -> READ;
                    case WRITE -> WRITE;
                    case CAS -> op.outcome() == Outcome.CONFLICT ? CAS_CONFLICT : CAS_APPLIED;
                };
                expectedId[i] = intern(ids, op.expected());
                valueId[i] = intern(ids, op.value());
            }
            this.determinate = det;

            Integer[] events = new Integer[2 * n];
            for (int e = 0; e < 2 * n; e++) {
                events[e] = e;
            }
            // Returns of UNKNOWN ops last; otherwise by time, calls before returns at equal times, then by op.
            Arrays.sort(events, Comparator.<Integer>comparingInt(e -> isCall(e) || !unknown[e >> 1] ? 0 : 1)
                    .thenComparingLong(e -> isCall(e) ? ops[e >> 1].invokeNanos()
                            : unknown[e >> 1] ? 0 : ops[e >> 1].completeNanos())
                    .thenComparingInt(e -> isCall(e) ? 0 : 1)
                    .thenComparingInt(e -> e >> 1));
            this.order = new int[2 * n];
            this.head = 2 * n;
            this.tail = 2 * n + 1;
            this.next = new int[2 * n + 2];
            this.prev = new int[2 * n + 2];
            int last = head;
            for (int i = 0; i < 2 * n; i++) {
                order[i] = events[i];
                next[last] = order[i];
                prev[order[i]] = last;
                last = order[i];
            }
            next[last] = tail;
            prev[tail] = last;
        }

        private int intern(Map<String, Integer> ids, String value) {
            if (value == null) {
                return 0;
            }
            return ids.computeIfAbsent(value, v -> {
                valueNames.add(v);
                return valueNames.size() - 1;
            });
        }

        private static boolean isCall(int event) {
            return (event & 1) == 0;
        }

        long explored() {
            return cache.size();
        }

        /** The state after applying op {@code i} in {@code state}, or -1 if op i cannot happen in that state. */
        private int step(int state, int i) {
            return switch (code[i]) {
                case READ -> state == valueId[i] ? state : -1;
                case WRITE -> valueId[i];
                case CAS_APPLIED -> state == expectedId[i] ? valueId[i] : -1;
                default -> state != expectedId[i] ? state : -1; // CAS_CONFLICT
            };
        }

        /** Removes the call event {@code call} and its return from the list. */
        private void lift(int call) {
            int ret = call + 1;
            next[prev[call]] = next[call];
            prev[next[call]] = prev[call];
            next[prev[ret]] = next[ret];
            prev[next[ret]] = prev[ret];
        }

        /** Undoes {@link #lift(int)}; lifts must be undone in reverse order. */
        private void unlift(int call) {
            int ret = call + 1;
            prev[next[ret]] = ret;
            next[prev[ret]] = ret;
            prev[next[call]] = call;
            next[prev[call]] = call;
        }

        Result run() {
            long[] linearized = new long[(n + 63) >>> 6];
            int[] stackCall = new int[n];
            int[] stackState = new int[n];
            int depth = 0;
            int state = 0;
            int remaining = determinate;
            recordBest(stackCall, depth, state);
            int entry = next[head];
            while (remaining > 0) {
                if (isCall(entry)) {
                    int op = entry >> 1;
                    int newState = step(state, op);
                    if (newState >= 0) {
                        linearized[op >>> 6] |= 1L << op;
                        if (cache.add(new CacheKey(linearized.clone(), newState))) {
                            if (cache.size() > maxStates) {
                                return undecided();
                            }
                            stackCall[depth] = entry;
                            stackState[depth] = state;
                            depth++;
                            state = newState;
                            lift(entry);
                            if (!unknown[op]) {
                                remaining--;
                            }
                            if (depth > bestDepth) {
                                recordBest(stackCall, depth, state);
                            }
                            entry = next[head];
                            continue;
                        }
                        linearized[op >>> 6] &= ~(1L << op);
                    }
                    entry = next[entry];
                } else {
                    // A return: that operation had to be linearized by now. Backtrack.
                    if (depth == 0) {
                        return violation();
                    }
                    depth--;
                    entry = stackCall[depth];
                    state = stackState[depth];
                    int op = entry >> 1;
                    linearized[op >>> 6] &= ~(1L << op);
                    unlift(entry);
                    if (!unknown[op]) {
                        remaining++;
                    }
                    entry = next[entry];
                }
            }
            return new Result(true, true, null, "key " + quote(key) + " is linearizable");
        }

        private void recordBest(int[] stackCall, int depth, int state) {
            bestDepth = depth;
            bestPrefix = new int[depth];
            for (int i = 0; i < depth; i++) {
                bestPrefix[i] = stackCall[i] >> 1;
            }
            bestState = state;
        }

        private Result undecided() {
            return new Result(false, false, key, String.format(Locale.ROOT,
                    "key %s: undecided, gave up after exploring more than maxStatesPerKey=%d states; "
                            + "the longest linearizable prefix found has %d of %d operations",
                    quote(key), maxStates, bestDepth, n));
        }

        private Result violation() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT,
                    "key %s is not linearizable: at most %d of its %d operations could be linearized (%d states explored).\n",
                    quote(key), bestDepth, n, cache.size()));
            sb.append("Longest linearizable prefix found (linearization order => register after the op):\n");
            int from = Math.max(0, bestPrefix.length - MAX_PREFIX_LINES);
            if (from > 0) {
                sb.append("  ... ").append(from).append(" earlier operations omitted\n");
            }
            int s = 0;
            for (int i = 0; i < bestPrefix.length; i++) {
                s = step(s, bestPrefix[i]);
                if (i >= from) {
                    sb.append(String.format(Locale.ROOT, "  %4d. %s  => %s\n", i + 1, describe(bestPrefix[i]),
                            valueName(s)));
                }
            }
            if (bestPrefix.length == 0) {
                sb.append("  (none)\n");
            }
            sb.append("Register after the prefix: ").append(valueName(bestState)).append('\n');

            // Replay the list as it stood after the prefix: candidates are the calls before the first return.
            boolean[] done = new boolean[n];
            for (int op : bestPrefix) {
                done[op] = true;
            }
            List<Integer> candidates = new ArrayList<>();
            int deadline = -1;
            for (int e : order) {
                int op = e >> 1;
                if (done[op]) {
                    continue;
                }
                if (isCall(e)) {
                    candidates.add(op);
                } else {
                    deadline = op;
                    break;
                }
            }
            if (deadline >= 0) {
                sb.append("No successful linearization continues with any of these, the operations invoked before the ")
                        .append("earliest remaining completion (")
                        .append(client(deadline)).append(' ').append(ops[deadline].kind()).append(" at ")
                        .append(time(ops[deadline].completeNanos())).append("):\n");
            }
            // Operations with a known outcome first; pending UNKNOWN ones can pile up, so only some are listed.
            int unknownListed = 0;
            for (int op : candidates) {
                if (!unknown[op]) {
                    sb.append("  - ").append(describe(op)).append(": ").append(reason(op, bestState)).append('\n');
                }
            }
            for (int op : candidates) {
                if (unknown[op] && unknownListed++ < MAX_UNKNOWN_LINES) {
                    sb.append("  - ").append(describe(op)).append(": ").append(reason(op, bestState)).append('\n');
                }
            }
            if (unknownListed > MAX_UNKNOWN_LINES) {
                sb.append("  ... and ").append(unknownListed - MAX_UNKNOWN_LINES)
                        .append(" more pending UNKNOWN operations\n");
            }
            return new Result(false, true, key, sb.toString().stripTrailing());
        }

        private String reason(int op, int state) {
            int after = step(state, op);
            if (after < 0) {
                return switch (code[op]) {
                    case READ -> "reads " + valueName(valueId[op]) + " but the register holds " + valueName(state);
                    case CAS_APPLIED -> "CAS expects " + valueName(expectedId[op]) + " but the register holds "
                            + valueName(state);
                    default -> "CONFLICT, but the register holds the expected " + valueName(state);
                };
            }
            return "possible here (register would become " + valueName(after)
                    + "), but no linearization of the remaining operations follows it"
                    + (unknown[op] ? " (UNKNOWN: it may also never take effect)" : "");
        }

        private String valueName(int id) {
            return id == 0 ? "absent" : quote(valueNames.get(id));
        }

        private String client(int op) {
            return "c" + ops[op].client();
        }

        private String describe(int op) {
            Operation o = ops[op];
            String what = switch (o.kind()) {
                case READ -> "READ -> " + show(o.value());
                case WRITE -> "WRITE " + show(o.value());
                case CAS -> "CAS " + show(o.expected()) + " -> " + show(o.value());
            };
            String when = o.outcome() == Outcome.UNKNOWN
                    ? "[" + time(o.invokeNanos()) + ", ?) gave up at " + time(o.completeNanos())
                    : "[" + time(o.invokeNanos()) + ", " + time(o.completeNanos()) + "]";
            return client(op) + " " + what + " " + o.outcome() + " " + when;
        }

        /** A time relative to the first invocation in the whole history. */
        private String time(long nanos) {
            long d = nanos - origin;
            String sign = d < 0 ? "-" : "+";
            long a = Math.abs(d);
            if (a < 1_000) {
                return sign + a + "ns";
            } else if (a < 1_000_000) {
                return String.format(Locale.ROOT, "%s%.3fus", sign, a / 1e3);
            } else if (a < 1_000_000_000) {
                return String.format(Locale.ROOT, "%s%.3fms", sign, a / 1e6);
            }
            return String.format(Locale.ROOT, "%s%.6fs", sign, a / 1e9);
        }
    }

    private static String show(String value) {
        return value == null ? "absent" : quote(value);
    }

    private static String quote(String s) {
        return "'" + s + "'";
    }

    /** A memoized search state: which operations are linearized, and the register value they leave. */
    private static final class CacheKey {
        private final long[] linearized;
        private final int state;
        private final int hash;

        CacheKey(long[] linearized, int state) {
            this.linearized = linearized;
            this.state = state;
            this.hash = Arrays.hashCode(linearized) * 31 + state;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && k.hash == hash && k.state == state
                    && Arrays.equals(k.linearized, linearized);
        }
    }
}
