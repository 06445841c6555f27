package io.cairn.system.test.lin;

import static io.cairn.system.test.lin.Operation.Outcome.CONFLICT;
import static io.cairn.system.test.lin.Operation.Outcome.FAILED;
import static io.cairn.system.test.lin.Operation.Outcome.OK;
import static io.cairn.system.test.lin.Operation.Outcome.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.cairn.system.test.lin.LinearizabilityChecker.Result;
import io.cairn.system.test.lin.Operation.Kind;
import io.cairn.system.test.lin.Operation.Outcome;

/**
 * Tests of {@link LinearizabilityChecker} on small hand-written histories with a known verdict, on a
 * large randomly generated history that is linearizable by construction (and on corrupted copies
 * of it), and on the search budget.
 *
 * <p>Hand-written histories use key {@code "k"} unless stated otherwise; times are plain numbers
 * of nanoseconds.
 */
class LinearizabilityCheckerTest {

    private static final String K = "k";

    // ---- sequential histories ---------------------------------------------------------------

    @Test
    void writeThenReadOfTheWrittenValue_isLinearizable() {
        assertLinearizable(List.of(write(0, "a", 0, 10), read(1, "a", 20, 30)));
    }

    @Test
    void writeThenReadOfAnotherValue_isNotLinearizable() {
        assertViolation(List.of(write(0, "a", 0, 10), read(1, "b", 20, 30)), K);
    }

    @Test
    void readOfAbsentBeforeAnyWrite_isLinearizable() {
        assertLinearizable(List.of(read(0, null, 0, 10), write(1, "a", 20, 30), read(0, "a", 40, 50)));
    }

    @Test
    void readOfAbsentAfterACompletedWrite_isNotLinearizable() {
        assertViolation(List.of(write(0, "a", 0, 10), read(1, null, 20, 30)), K);
    }

    @Test
    void operationsThatOnlyTouchAreConcurrent_butAStrictGapOrdersThem() {
        assertLinearizable(List.of(write(0, "a", 0, 10), read(1, null, 10, 20)));
        assertViolation(List.of(write(0, "a", 0, 10), read(1, null, 11, 20)), K);
    }

    @Test
    void inputOrderDoesNotMatter() {
        assertLinearizable(List.of(read(2, "b", 40, 50), write(1, "b", 20, 30), write(0, "a", 0, 10)));
        assertViolation(List.of(read(2, "a", 40, 50), write(1, "b", 20, 30), write(0, "a", 0, 10)), K);
    }

    // ---- concurrent histories ---------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"a", "b"})
    void overlappingWrites_aLaterReadMaySeeEither(String seen) {
        assertLinearizable(List.of(write(0, "a", 0, 10), write(1, "b", 5, 15), read(2, seen, 20, 30)));
    }

    @Test
    void overlappingWrites_aLaterReadCannotSeeAbsent() {
        assertViolation(List.of(write(0, "a", 0, 10), write(1, "b", 5, 15), read(2, null, 20, 30)), K);
    }

    @Test
    void staleReadAfterTheNewerValueWasObserved_isNotLinearizable() {
        List<Operation> h = List.of(
                write(0, "a", 0, 10),
                write(1, "b", 20, 30),  // invoked after a completed: b is the newer value
                read(2, "b", 40, 50),
                read(3, "a", 60, 70));  // stale
        Result r = assertViolation(h, K);
        assertThat(r.explanation()).contains("c3 READ -> 'a' OK [+60ns, +70ns]", "the register holds 'b'");
    }

    @Test
    void readsThatFixTheOrderOfConcurrentWrites_needBacktracking_andAreLinearizable() {
        // The search first tries "a then b" and must back out of it: the reads force "b then a".
        assertLinearizable(List.of(
                write(0, "a", 0, 100), write(1, "b", 0, 100),
                read(2, "b", 10, 20), read(2, "a", 30, 40)));
    }

    @Test
    void aValueCannotComeBackAfterItWasOverwritten() {
        assertViolation(List.of(
                write(0, "a", 0, 100), write(1, "b", 0, 100),
                read(2, "a", 10, 20), read(2, "b", 30, 40), read(2, "a", 50, 60)), K);
    }

    // ---- compare-and-set --------------------------------------------------------------------

    @Test
    void casFromAbsent_thenAConflictingCasFromAbsent_thenRead_isLinearizable() {
        assertLinearizable(List.of(
                cas(0, null, "a", OK, 0, 10),
                cas(1, null, "b", CONFLICT, 20, 30),
                read(2, "a", 40, 50)));
    }

    @Test
    void twoSuccessfulCasFromAbsentThatDoNotOverlap_isNotLinearizable() {
        assertViolation(List.of(cas(0, null, "a", OK, 0, 10), cas(1, null, "b", OK, 20, 30)), K);
    }

    @Test
    void conflictAfterAWriteOfTheExpectedValue_isNotLinearizable() {
        Result r = assertViolation(List.of(write(0, "a", 0, 10), cas(1, "a", "b", CONFLICT, 20, 30)), K);
        assertThat(r.explanation()).contains("c1 CAS 'a' -> 'b' CONFLICT");
    }

    @Test
    void conflictConcurrentWithTheWriteOfTheExpectedValue_mayBeLinearizedBeforeIt() {
        assertLinearizable(List.of(write(0, "a", 0, 10), cas(1, "a", "b", CONFLICT, 5, 30), read(2, "a", 40, 50)));
    }

    @Test
    void successfulCasChangesTheRegister() {
        assertLinearizable(List.of(write(0, "a", 0, 10), cas(1, "a", "b", OK, 20, 30), read(2, "b", 40, 50)));
        assertViolation(List.of(write(0, "a", 0, 10), cas(1, "a", "b", OK, 20, 30), read(2, "a", 40, 50)), K);
    }

    // ---- UNKNOWN outcomes -------------------------------------------------------------------

    @Test
    void manyUnobservedUnknownWrites_areDecidedQuickly() {
        List<Operation> h = new java.util.ArrayList<>();
        h.add(write(0, "a", 0, 10));
        for (int i = 0; i < 300; i++) {
            h.add(write(1 + i % 12, "u" + i, UNKNOWN, 20 + i, 21 + i));
        }
        for (int i = 0; i < 50; i++) {
            h.add(read(13, "a", 20 + 10 * i, 25 + 10 * i));
        }
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(h, 10_000);
        assertThat(r.decided()).as(r.toString()).isTrue();
        assertThat(r.linearizable()).as(r.toString()).isTrue();
    }

    @Test
    void unobservedUnknownWriteNeededToExplainAConflict_isStillFound() {
        // the CAS conflict is explained only if the unknown write of b took effect
        assertLinearizable(List.of(write(0, "a", 0, 10), write(1, "b", UNKNOWN, 20, 30), cas(2, "a", "c", CONFLICT, 40, 50)));
    }

    @Test
    void reductionNeverHidesAViolation() {
        // a stale read stays a violation whatever the unknown writes do
        assertViolation(List.of(write(0, "a", 0, 10), write(0, "b", 20, 30), write(1, "u", UNKNOWN, 5, 6),
                read(2, "a", 40, 50)), K);
    }

    @Test
    void unknownWrite_laterObserved_isLinearizable() {
        assertLinearizable(List.of(write(0, "a", UNKNOWN, 0, 10), read(1, "a", 20, 30)));
    }

    @Test
    void unknownWrite_laterNotObserved_isLinearizable() {
        assertLinearizable(List.of(write(0, "a", UNKNOWN, 0, 10), read(1, null, 20, 30)));
    }

    @Test
    void unknownWrite_observedThenNotObserved_isNotLinearizable() {
        assertViolation(List.of(write(0, "a", UNKNOWN, 0, 10), read(1, "a", 20, 30), read(2, null, 40, 50)), K);
    }

    @Test
    void unknownWrite_mayTakeEffectAfterTheClientGaveUp() {
        assertLinearizable(List.of(write(0, "a", UNKNOWN, 0, 10), read(1, null, 20, 30), read(2, "a", 40, 50)));
    }

    @Test
    void unknownWrite_cannotTakeEffectBeforeItIsInvoked() {
        assertViolation(List.of(read(1, "a", 0, 10), write(0, "a", UNKNOWN, 20, 30)), K);
    }

    @Test
    void unknownCas_appliesOnlyWhenTheRegisterHoldsTheExpectedValue() {
        // cas(absent -> a) can only apply before b is written, so a read after b completed cannot see a
        assertViolation(List.of(cas(0, null, "a", UNKNOWN, 0, 10), write(1, "b", 20, 30), read(2, "a", 40, 50)), K);
        assertLinearizable(List.of(cas(0, null, "a", UNKNOWN, 0, 10), write(1, "b", 20, 30), read(2, "b", 40, 50)));
        // cas(b -> a) may apply after b was written, long after the client gave up
        assertLinearizable(List.of(cas(0, "b", "a", UNKNOWN, 0, 10), write(1, "b", 20, 30), read(2, "a", 40, 50)));
    }

    // ---- FAILED and other ignored outcomes ---------------------------------------------------

    @Test
    void failedOperationsAndReadsThatDidNotCompleteAreIgnored() {
        List<Operation> h = List.of(
                write(0, "a", 0, 10),
                write(1, "b", FAILED, 20, 30),
                cas(2, "a", "c", FAILED, 20, 30),
                new Operation(3, K, Kind.READ, null, "zzz", FAILED, 20, 30),
                new Operation(3, K, Kind.READ, null, "zzz", UNKNOWN, 31, 32),
                read(4, "a", 40, 50));
        assertLinearizable(h);
        // the same history with the write of b applied is not linearizable: the FAILED outcome matters
        List<Operation> applied = new ArrayList<>(h);
        applied.set(1, write(1, "b", 20, 30));
        assertViolation(applied, K);
    }

    @Test
    void lostWrite_isNotLinearizable_andTheExplanationShowsPrefixAndBlockedOps() {
        long t0 = 1_000_000_000L; // absolute nanos: the explanation shows times relative to the first invoke
        List<Operation> h = List.of(
                Operation.write(0, "x", "a", OK, t0, t0 + 10),
                Operation.read(1, "x", "a", t0 + 20, t0 + 30),
                Operation.write(2, "x", "b", OK, t0 + 40, t0 + 2_000_040),
                Operation.read(1, "x", null, t0 + 3_000_000, t0 + 3_000_050));
        Result r = assertViolation(h, "x");
        assertThat(r.explanation())
                .contains("key 'x' is not linearizable")
                .contains("Longest linearizable prefix")
                .contains("c0 WRITE 'a' OK [+0ns, +10ns]  => 'a'")
                .contains("c1 READ -> 'a' OK [+20ns, +30ns]  => 'a'")
                .contains("c2 WRITE 'b' OK [+40ns, +2.000ms]  => 'b'")
                .contains("Register after the prefix: 'b'")
                .contains("c1 READ -> absent OK [+3.000ms, +3.000ms]: reads absent but the register holds 'b'");
    }

    @Test
    void explanationListsBlockedOpsWithKnownOutcomeFirst_andCapsPendingUnknownOnes() {
        List<Operation> h = new ArrayList<>();
        for (int i = 0; i < 25; i++) { // UNKNOWN CASes that can never apply, all still pending at the end
            h.add(cas(10 + i, "zzz", "u" + i, UNKNOWN, i, i + 1));
        }
        h.add(write(0, "a", 100, 110));
        h.add(read(1, "b", 120, 130));
        Result r = assertViolation(h, K);
        String blocked = r.explanation().substring(r.explanation().indexOf("No successful linearization"));
        assertThat(blocked).contains("c1 READ -> 'b' OK [+120ns, +130ns]: reads 'b' but the register holds 'a'")
                .contains("CAS expects 'zzz' but the register holds 'a'")
                .contains("... and 5 more pending UNKNOWN operations");
        assertThat(blocked.indexOf("c1 READ")).isLessThan(blocked.indexOf("CAS"));
    }

    // ---- several keys -----------------------------------------------------------------------

    @Test
    void keysAreIndependentRegisters() {
        assertLinearizable(List.of(
                Operation.write(0, "k1", "a", OK, 0, 10),
                Operation.read(1, "k2", null, 20, 30),
                Operation.read(1, "k1", "a", 40, 50)));
    }

    @Test
    void violationOnOneKey_isFoundWhileOtherKeysAreFine_andNamesThatKey() {
        List<Operation> h = List.of(
                Operation.write(0, "k1", "a", OK, 0, 10),
                Operation.write(1, "k2", "x", OK, 5, 15),
                Operation.read(2, "k1", "a", 20, 30),
                Operation.write(0, "k2", "y", OK, 20, 30),
                Operation.read(1, "k1", "a", 40, 50),
                Operation.read(2, "k2", "x", 40, 50)); // stale: y was written after x completed
        Result r = assertViolation(h, "k2");
        assertThat(r.explanation()).contains("key 'k2'").doesNotContain("'k1'");
    }

    // ---- scale ------------------------------------------------------------------------------

    @Test
    void largeRandomLinearizableHistory_isLinearizable_andACorruptedReadIsNot() {
        List<Operation> h = RandomHistory.generate(new Random(20_250_101L), 8, 4, 3000);
        assertThat(h.stream().filter(o -> o.outcome() == UNKNOWN).count()).isBetween(50L, 200L);
        assertThat(h.stream().filter(o -> o.outcome() == CONFLICT).count()).isPositive();
        assertThat(h.stream().map(Operation::key).distinct().count()).isEqualTo(4);

        long start = System.nanoTime();
        Result ok = LinearizabilityChecker.check(h);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(ok.linearizable()).as(ok.toString()).isTrue();
        assertThat(ok.decided()).isTrue();
        assertThat(millis).as("checking %d operations took %d ms", h.size(), millis).isLessThan(5_000);

        // a read of a value nobody wrote
        int victim = indexOfRead(h, h.size() / 2, o -> true);
        List<Operation> corrupt = new ArrayList<>(h);
        Operation v = corrupt.get(victim);
        corrupt.set(victim, Operation.read(v.client(), v.key(), "never-written", v.invokeNanos(), v.completeNanos()));
        Result bad = assertViolation(corrupt, v.key());
        assertThat(bad.explanation()).contains("READ -> 'never-written'");

        // a lost write: a read of absent after some write to its key completed (no op deletes a key)
        Map<String, Long> firstWriteDone = new HashMap<>();
        for (Operation o : h) {
            if (o.kind() != Kind.READ && o.outcome() == OK && o.value() != null) {
                firstWriteDone.merge(o.key(), o.completeNanos(), Math::min);
            }
        }
        int lost = indexOfRead(h, h.size() / 3,
                o -> o.value() != null && o.invokeNanos() > firstWriteDone.getOrDefault(o.key(), Long.MAX_VALUE));
        List<Operation> lostCopy = new ArrayList<>(h);
        Operation l = lostCopy.get(lost);
        lostCopy.set(lost, Operation.read(l.client(), l.key(), null, l.invokeNanos(), l.completeNanos()));
        assertViolation(lostCopy, l.key());
    }

    @Test
    void randomHistoriesWithOtherSeeds_areLinearizable() {
        for (long seed = 1; seed <= 5; seed++) {
            List<Operation> h = RandomHistory.generate(new Random(seed), 8, 2, 1000);
            Result r = LinearizabilityChecker.check(h);
            assertThat(r.linearizable()).as("seed %d: %s", seed, r).isTrue();
        }
    }

    // ---- budget -----------------------------------------------------------------------------

    @Test
    void tinyBudgetOnAHardHistory_isUndecided_andNeverAPass() {
        List<Operation> hard = hardHistory(K, 14);
        Result r = LinearizabilityChecker.check(hard, 1_000);
        assertThat(r.decided()).as(r.toString()).isFalse();
        assertThat(r.linearizable()).isFalse();
        assertThat(r.violation()).isFalse();
        assertThat(r.key()).isEqualTo(K);
        assertThat(r.explanation()).contains("undecided");
        // with the default budget the same history is decided: the tiny budget was the only reason
        assertViolation(hard, K);
    }

    @Test
    void aViolationOnAnotherKeyWinsOverAnUndecidedKey() {
        List<Operation> h = new ArrayList<>(hardHistory("hard", 14));
        h.add(Operation.write(0, "easy", "a", OK, 0, 10));
        h.add(Operation.read(1, "easy", "b", 20, 30));
        Result r = LinearizabilityChecker.check(h, 1_000);
        assertThat(r.violation()).as(r.toString()).isTrue();
        assertThat(r.key()).isEqualTo("easy");
    }

    // ---- input handling ---------------------------------------------------------------------

    @Test
    void emptyHistory_isLinearizable() {
        assertLinearizable(List.of());
    }

    @Test
    void malformedInputIsRejected() {
        assertThatThrownBy(() -> write(0, "a", CONFLICT, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> read(0, "a", 10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Operation.read(0, null, "a", 0, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> LinearizabilityChecker.check(List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        // an UNKNOWN op's completion is not a bound, so it is not checked
        assertThat(write(0, "a", UNKNOWN, 10, 5).completeNanos()).isEqualTo(5);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static Operation read(int client, String value, long invoke, long complete) {
        return Operation.read(client, K, value, invoke, complete);
    }

    private static Operation write(int client, String value, long invoke, long complete) {
        return write(client, value, OK, invoke, complete);
    }

    private static Operation write(int client, String value, Outcome outcome, long invoke, long complete) {
        return Operation.write(client, K, value, outcome, invoke, complete);
    }

    private static Operation cas(int client, String expected, String value, Outcome outcome, long invoke,
            long complete) {
        return Operation.cas(client, K, expected, value, outcome, invoke, complete);
    }

    private static void assertLinearizable(List<Operation> history) {
        Result r = LinearizabilityChecker.check(history);
        assertThat(r.linearizable()).as(r.toString()).isTrue();
        assertThat(r.decided()).isTrue();
        assertThat(r.key()).isNull();
    }

    private static Result assertViolation(List<Operation> history, String key) {
        Result r = LinearizabilityChecker.check(history);
        assertThat(r.decided()).as(r.toString()).isTrue();
        assertThat(r.linearizable()).as(r.toString()).isFalse();
        assertThat(r.key()).isEqualTo(key);
        assertThat(r.explanation()).contains("key '" + key + "' is not linearizable");
        return r;
    }

    /** The index of the first OK read at or after {@code from} that matches {@code filter}. */
    private static int indexOfRead(List<Operation> h, int from, Predicate<Operation> filter) {
        for (int i = from; i < h.size(); i++) {
            Operation o = h.get(i);
            if (o.kind() == Kind.READ && o.outcome() == OK && filter.test(o)) {
                return i;
            }
        }
        throw new AssertionError("no suitable read after index " + from);
    }

    /**
     * {@code writers} pairwise-concurrent writes of distinct values and a concurrent read of a value
     * none of them writes: not linearizable, but the search only learns that after trying every
     * subset of the writes (about {@code writers * 2^(writers-1)} states).
     */
    private static List<Operation> hardHistory(String key, int writers) {
        List<Operation> h = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            h.add(Operation.write(i, key, "v" + i, OK, i, 1_000));
        }
        h.add(Operation.read(writers, key, "nobody-wrote-this", 0, 1_000));
        return h;
    }

    /**
     * Generates histories that are linearizable by construction: each client issues operations one
     * after another, each operation takes effect atomically at a random instant inside its interval,
     * and results are computed by applying the operations to plain registers in the order of those
     * instants.
     */
    static final class RandomHistory {

        private record Planned(int index, int client, String key, Kind kind, Outcome fate, long invoke, long at,
                long complete) {
        }

        private RandomHistory() {
        }

        /**
         * @param clients concurrent clients, each issuing {@code ops / clients} operations
         * @param keys    number of keys, chosen uniformly per operation
         * @param ops     total number of operations
         */
        static List<Operation> generate(Random rnd, int clients, int keys, int ops) {
            List<Planned> plan = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                long t = rnd.nextInt(1_000);
                for (int i = 0; i < ops / clients; i++) {
                    long invoke = t + 1 + rnd.nextInt(2_000);
                    long duration = 100 + rnd.nextInt(5_000);
                    long complete = invoke + duration;
                    int dice = rnd.nextInt(100);
                    Kind kind = dice < 40 ? Kind.READ : dice < 75 ? Kind.WRITE : Kind.CAS;
                    Outcome fate = OK; // for WRITE/CAS: OK (resolved to CONFLICT later), UNKNOWN or FAILED
                    if (kind != Kind.READ) {
                        int f = rnd.nextInt(100);
                        fate = f < 5 ? UNKNOWN : f < 6 ? FAILED : OK;
                    }
                    // an UNKNOWN op may take effect after the client gave up on it
                    long at = invoke + (long) (rnd.nextDouble() * (fate == UNKNOWN ? 3 * duration : duration));
                    plan.add(new Planned(plan.size(), c, "key" + rnd.nextInt(keys), kind, fate, invoke, at, complete));
                    t = complete;
                }
            }
            List<Planned> byInstant = new ArrayList<>(plan);
            byInstant.sort((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Integer.compare(a.index, b.index));
            Map<String, String> registers = new HashMap<>();
            Map<String, List<String>> written = new HashMap<>();
            Operation[] result = new Operation[plan.size()];
            int counter = 0;
            for (Planned p : byInstant) {
                String current = registers.get(p.key);
                Operation op;
                switch (p.kind) {
                    case READ -> op = Operation.read(p.client, p.key, current, p.invoke, p.complete);
                    case WRITE -> {
                        String value = p.key + "-v" + counter++;
                        boolean applied = p.fate == OK || p.fate == UNKNOWN && rnd.nextBoolean();
                        if (applied) {
                            registers.put(p.key, value);
                            written.computeIfAbsent(p.key, k -> new ArrayList<>()).add(value);
                        }
                        op = Operation.write(p.client, p.key, value, p.fate, p.invoke, p.complete);
                    }
                    default -> {
                        String value = p.key + "-v" + counter++;
                        List<String> old = written.getOrDefault(p.key, List.of());
                        int e = rnd.nextInt(4);
                        String expected = e < 2 ? current
                                : e == 2 || old.isEmpty() ? null
                                : old.get(rnd.nextInt(old.size()));
                        boolean matches = Objects.equals(current, expected);
                        boolean attempted = p.fate == OK || p.fate == UNKNOWN && rnd.nextBoolean();
                        if (attempted && matches) {
                            registers.put(p.key, value);
                            written.computeIfAbsent(p.key, k -> new ArrayList<>()).add(value);
                        }
                        Outcome outcome = p.fate != OK ? p.fate : matches ? OK : CONFLICT;
                        op = Operation.cas(p.client, p.key, expected, value, outcome, p.invoke, p.complete);
                    }
                }
                result[p.index] = op;
            }
            List<Operation> history = new ArrayList<>(List.of(result));
            Collections.shuffle(history, rnd);
            return history;
        }
    }
}
