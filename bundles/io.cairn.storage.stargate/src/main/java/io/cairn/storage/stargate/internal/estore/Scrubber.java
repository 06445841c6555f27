package io.cairn.storage.stargate.internal.estore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;

/**
 * The scrubber (spec 20 §9): verifies the CRC32C of every slice of every extent group on this
 * node's disks in the background, so bit rot in data nobody reads is found and repaired.
 *
 * <p><b>Order.</b> Per online disk, a pass walks the disk's extent groups least recently verified
 * first (never verified first, then by id); a group written less than {@link Settings#coldSecs}
 * ago is skipped in this pass (its data was just written with fresh checksums), and so comes first
 * in the next. A pass ends when its list is exhausted; the next starts at once (at most one listing
 * of a disk a second). When each group was last verified is kept in memory only: after a restart
 * the walk starts over.
 *
 * <p><b>Pace.</b> A disk is verified at {@code max(used bytes / pass_secs, }{@value #MIN_BYTES_PER_SEC}
 * {@code )} bytes a second, so a full pass of its used bytes takes at most {@link Settings#passSecs}
 * while the disk is idle; a group costs its written slices (4 KiB each, at least one). The budget
 * accrues only while the disk was busy less than {@link Settings#maxDiskBusyPct} percent of the
 * last second (the time its reads, writes and repairs took: {@link Store#busyNanos}); while it is
 * busier, scrubbing pauses. At most one second's worth of budget is saved up.
 *
 * <p><b>Findings.</b> A group with slices failing their check becomes a <i>suspect</i> until it
 * verifies again (after a repair, {@link #repaired}); every failing verification counts as
 * {@link #found()} and is reported to the {@link #onChange} listener, as is a suspect that verifies
 * again. Time comes from the injected {@link Clock}: {@link #step} does whatever is due now.
 *
 * <p>Thread-safe: {@link #step} runs on one thread (serialized), {@link #scrubAll},
 * {@link #repaired} and the queries may run on others.
 */
public final class Scrubber {

    /** What the scrubber needs of the extent store ({@link ExtentStore} implements it). */
    public interface Store {
        /** Each disk's usage, online state and used bytes. */
        List<DiskUsage> usage();

        /** The extent groups on one disk. */
        List<Long> listOnDisk(String diskId);

        /** Where this node holds the group (empty: nowhere). */
        Optional<EgroupLocation> location(long egroupId);

        /** When this node last wrote its replica (empty: unknown). */
        Optional<Instant> lastWritten(long egroupId);

        /** The slices of the group failing their check (empty: all good). */
        List<Integer> verify(long egroupId);

        /** The disk's accumulated busy time from reads, writes and repairs (not verifies), nanoseconds. */
        long busyNanos(String diskId);
    }

    /**
     * The scrubber's settings.
     *
     * @param passSecs       a full pass over a disk's used bytes within this many seconds (spec 20 §9
     *                       {@code cairn.scrub.pass_secs}, 604800)
     * @param maxDiskBusyPct scrub a disk only while it was busy less than this percentage of the
     *                       last second (spec 20 §9 {@code cairn.scrub.max_disk_busy_pct}, 30)
     * @param coldSecs       groups written less than this many seconds ago wait for the next pass (60)
     */
    public record Settings(long passSecs, int maxDiskBusyPct, long coldSecs) {
        public static final Settings DEFAULTS = new Settings(604_800, 30, 60);

        public Settings {
            if (passSecs < 1) {
                throw new IllegalArgumentException("scrub_pass_secs must be at least 1, not " + passSecs);
            }
            if (maxDiskBusyPct < 1 || maxDiskBusyPct > 100) {
                throw new IllegalArgumentException("scrub_max_disk_busy_pct must be between 1 and 100, not " + maxDiskBusyPct);
            }
            if (coldSecs < 0) {
                throw new IllegalArgumentException("scrub_cold_secs must not be negative, not " + coldSecs);
            }
        }
    }

    /** The counters since the scrubber started, and each disk's state now. */
    public record Stats(long egroupsVerified, long scrubBytes, long found, long passes, int suspects, List<DiskStats> disks) {
        public Stats {
            disks = List.copyOf(disks);
        }
    }

    /**
     * One disk: {@code state} is {@code scrubbing}, {@code paused} (busy), {@code offline} or
     * {@code idle} (nothing to verify now); its rate, busy percentage over the last second, passes
     * completed, and the current pass's progress (groups taken of the groups listed).
     */
    public record DiskStats(String diskId, String state, long bytesPerSec, int busyPct, long passes, int passDone, int passTotal) {
    }

    /** An unpaced pass over every available group ({@link #scrubAll}): groups verified and those failing. */
    public record Sweep(long verified, List<Long> bad) {
        public Sweep {
            bad = List.copyOf(bad);
        }
    }

    /** The rate a disk is verified at however little it holds, bytes a second. */
    public static final long MIN_BYTES_PER_SEC = 64 << 10;
    /** The busy fraction is measured over windows this long. */
    static final long BUSY_WINDOW_NANOS = 1_000_000_000L;
    /** A disk is listed for a new pass at most this often. */
    static final long MIN_PASS_NANOS = 1_000_000_000L;
    private static final long SECOND_NANOS = 1_000_000_000L;

    private final Logger logger = LoggerFactory.getLogger(Scrubber.class);
    private final Store store;
    private final Clock clock;
    private volatile Settings settings;
    private volatile Runnable onChange = () -> { };
    private final Map<String, DiskState> disks = new ConcurrentHashMap<>();
    private final Map<Long, List<Integer>> suspects = new ConcurrentHashMap<>();
    private final LongAdder verified = new LongAdder();
    private final LongAdder scrubBytes = new LongAdder();
    private final LongAdder found = new LongAdder();
    private final LongAdder passes = new LongAdder();

    public Scrubber(Store store, Clock clock, Settings settings) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Applies new settings from the next {@link #step} on. */
    public void settings(Settings s) {
        Settings before = settings;
        settings = Objects.requireNonNull(s, "settings");
        if (!s.equals(before)) {
            logger.info("scrubber: a full pass per disk within {} s, only while a disk is busy less than {}%, groups written "
                    + "in the last {} s wait", s.passSecs(), s.maxDiskBusyPct(), s.coldSecs());
        }
    }

    public Settings settings() {
        return settings;
    }

    /** Called (on the verifying thread) when a group fails its verification, and when a suspect verifies again. */
    public void onChange(Runnable listener) {
        onChange = Objects.requireNonNull(listener, "listener");
    }

    // ---------------------------------------------------------------- the paced walk

    /** Verifies, on every online disk, what the budget allows now. */
    public synchronized void step() {
        long now = clock.nanoTime();
        Settings s = settings;
        suspects.keySet().removeIf(eg -> store.location(eg).isEmpty()); // deleted meanwhile (e.g. a surplus replica)
        for (DiskUsage u : store.usage()) {
            DiskState d = state(u.diskId());
            d.measure(now, store.busyNanos(u.diskId()));
            long elapsed = Math.max(0, now - d.lastNanos);
            d.lastNanos = now;
            if (!u.online()) {
                d.queue.clear(); // its pass starts over when it is back
                d.state = "offline";
                continue;
            }
            d.rate = Math.max(MIN_BYTES_PER_SEC, u.usedBytes() / s.passSecs());
            if (d.busy * 100 >= s.maxDiskBusyPct()) {
                d.state = "paused";
                continue; // no budget accrues while the disk is busy
            }
            d.allowance = Math.min(d.allowance + (double) d.rate * elapsed / SECOND_NANOS, d.rate);
            d.state = "scrubbing";
            while (d.allowance > 0) {
                Long eg = next(d, now, s);
                if (eg == null) {
                    d.state = "idle";
                    break;
                }
                d.allowance -= verify(eg, u.diskId()).cost();
            }
        }
    }

    /** The next group of the disk's pass to verify (starting a new pass if it is done); null when none now. */
    private Long next(DiskState d, long now, Settings s) {
        while (true) {
            if (d.queue.isEmpty()) {
                if (d.passTotal > 0 && d.passDone == d.passTotal) {
                    d.passes++;
                    passes.increment();
                    logger.debug("scrubber: pass {} over disk {} done ({} extent groups)", d.passes, d.id, d.passTotal);
                    d.passTotal = 0;
                }
                if (d.passStarted && now - d.passStartNanos < MIN_PASS_NANOS) {
                    return null;
                }
                startPass(d, now);
                if (d.queue.isEmpty()) {
                    return null;
                }
            }
            long eg = d.queue.poll();
            d.passDone++;
            if (!fresh(eg, s)) {
                return eg;
            }
        }
    }

    private void startPass(DiskState d, long now) {
        List<Long> ids = new ArrayList<>(store.listOnDisk(d.id));
        d.lastVerified.keySet().retainAll(new HashSet<>(ids));
        ids.sort(Comparator.comparingLong((Long eg) -> d.lastVerified.getOrDefault(eg, Long.MIN_VALUE))
                .thenComparing(Long::compareUnsigned));
        d.queue.clear();
        d.queue.addAll(ids);
        d.passStarted = true;
        d.passStartNanos = now;
        d.passDone = 0;
        d.passTotal = ids.size();
    }

    /** Whether the group was written less than {@code coldSecs} ago (its data just got fresh checksums). */
    private boolean fresh(long eg, Settings s) {
        if (s.coldSecs() == 0) {
            return false;
        }
        Optional<Instant> written = store.lastWritten(eg);
        return written.isPresent() && written.get().isAfter(clock.now().minus(Duration.ofSeconds(s.coldSecs())));
    }

    // ---------------------------------------------------------------- verification

    /** What verifying one group came to: its cost in bytes (0: gone or unavailable), and whether it was verified and failed. */
    private record Outcome(long cost, boolean verified, boolean bad) {
        static final Outcome SKIPPED = new Outcome(0, false, false);
    }

    /** Verifies one group (on {@code expectedDisk} unless null) and records the outcome. */
    private Outcome verify(long eg, String expectedDisk) {
        Optional<EgroupLocation> loc = store.location(eg);
        if (loc.isEmpty() || !loc.get().available() || expectedDisk != null && !expectedDisk.equals(loc.get().diskId())) {
            return Outcome.SKIPPED;
        }
        long bytes = Math.max(1, loc.get().writtenSlices()) * (long) ExtentStore.SLICE_BYTES;
        List<Integer> bad;
        try {
            bad = store.verify(eg);
        } catch (DiskException e) {
            logger.debug("scrubber: extent group {} not verified: {}", ExtentStore.hex(eg), e.getMessage()); // disk health acts on it
            return new Outcome(bytes, false, false);
        } catch (ExtentStoreException e) {
            if (e.reason() == ExtentStoreException.Reason.NOT_FOUND) {
                return Outcome.SKIPPED; // deleted meanwhile
            }
            logger.info("scrubber: extent group {} could not be verified: {}", ExtentStore.hex(eg), e.getMessage());
            return new Outcome(bytes, false, false);
        } catch (RuntimeException e) {
            logger.info("scrubber: extent group {} could not be verified: {}", ExtentStore.hex(eg), e.toString());
            return new Outcome(bytes, false, false);
        }
        state(loc.get().diskId()).lastVerified.put(eg, clock.nanoTime());
        verified.increment();
        scrubBytes.add(bytes);
        if (bad.isEmpty()) {
            if (suspects.remove(eg) != null) {
                logger.info("scrubber: extent group {} on disk {} verifies again", ExtentStore.hex(eg), loc.get().diskId());
                changed();
            }
        } else {
            suspects.put(eg, List.copyOf(bad));
            found.increment();
            logger.warn("scrubber: extent group {} on disk {} has {} slice(s) failing their checksum {}; it is repaired from "
                    + "another replica", ExtentStore.hex(eg), loc.get().diskId(), bad.size(), bad);
            changed();
        }
        return new Outcome(bytes, true, !bad.isEmpty());
    }

    private void changed() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            logger.warn("the scrubber's change listener failed", e);
        }
    }

    /**
     * Verifies every available group of this node now, unpaced apart from {@code pause} between
     * groups (an on-demand pass for tests and operators); the outcome counts as the walk's.
     */
    public Sweep scrubAll(Duration pause) throws InterruptedException {
        long n = 0;
        List<Long> bad = new ArrayList<>();
        for (DiskUsage u : store.usage()) {
            if (!u.online()) {
                continue;
            }
            for (long eg : store.listOnDisk(u.diskId())) {
                Outcome o = verify(eg, u.diskId());
                if (o.verified()) {
                    n++;
                    if (o.bad()) {
                        bad.add(eg);
                    }
                }
                clock.sleep(pause);
            }
        }
        if (!bad.isEmpty()) {
            logger.warn("scrub: {} of {} extent groups on this node have slices failing their checksum: {}", bad.size(), n, bad);
        }
        return new Sweep(n, bad);
    }

    /**
     * A repair rewrote slices of the group: verify it again (a suspect that passes is one no more).
     * On the monitor {@link #step} holds, so a verification that read the group before the repair
     * cannot record it as a suspect after this one cleared it.
     */
    public synchronized void repaired(long eg) {
        if (suspects.containsKey(eg)) {
            verify(eg, null);
        }
    }

    // ---------------------------------------------------------------- queries

    /** Whether this node's replica of the group failed its last verification (not repaired since). */
    public boolean suspect(long eg) {
        return suspects.containsKey(eg);
    }

    /** The suspect groups, in id order. */
    public java.util.SortedSet<Long> suspects() {
        return new TreeSet<>(suspects.keySet());
    }

    /** Failing verifications since the scrubber started (each one of a group counts). */
    public long found() {
        return found.sum();
    }

    public Stats stats() {
        List<DiskStats> out = new ArrayList<>();
        disks.values().stream().sorted(Comparator.comparing(d -> d.id)).forEach(d -> out.add(d.stats()));
        return new Stats(verified.sum(), scrubBytes.sum(), found.sum(), passes.sum(), suspects.size(), out);
    }

    private DiskState state(String diskId) {
        return disks.computeIfAbsent(diskId, id -> new DiskState(id, clock.nanoTime(), store.busyNanos(id)));
    }

    /** One disk's walk. Fields other than {@code lastVerified} belong to {@link #step}. */
    private static final class DiskState {
        final String id;
        /** When each group of the disk was last verified (the clock's nanoseconds). */
        final Map<Long, Long> lastVerified = new ConcurrentHashMap<>();
        final Deque<Long> queue = new ArrayDeque<>();
        long lastNanos;
        /** Bytes that may be verified now; negative: the last group's cost is still being paid off. */
        double allowance;
        long rate = MIN_BYTES_PER_SEC;
        long windowStartNanos;
        long windowStartBusy;
        double busy;
        boolean passStarted;
        long passStartNanos;
        int passDone;
        int passTotal;
        long passes;
        volatile String state = "idle";

        DiskState(String id, long now, long busyNanos) {
            this.id = id;
            this.lastNanos = now;
            this.windowStartNanos = now;
            this.windowStartBusy = busyNanos;
        }

        /** Closes the busy window when a second has passed: the fraction of it the disk's I/O took. */
        void measure(long now, long busyNanos) {
            long span = now - windowStartNanos;
            if (span >= BUSY_WINDOW_NANOS) {
                busy = Math.max(0, (double) (busyNanos - windowStartBusy) / span);
                windowStartNanos = now;
                windowStartBusy = busyNanos;
            }
        }

        DiskStats stats() {
            return new DiskStats(id, state, rate, (int) Math.min(100, Math.round(busy * 100)), passes, passDone, passTotal);
        }
    }
}
