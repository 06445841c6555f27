package io.cairn.storage.stargate.internal.disks;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Per-disk health state machine (spec 20 §11).
 *
 * <pre>
 *   ONLINE ──(N errors/timeouts within W)──▶ OFFLINE ──(SMART PASS)──▶ ONLINE
 *                                              │  └──(SMART FAIL: stays OFFLINE)
 *                                              └──(marked offline M times within H)──▶ REMOVED
 * </pre>
 *
 * <ul>
 *   <li>An {@linkplain #recordError error or timeout} on an online disk is kept for the sliding
 *       window W ({@link Thresholds#errorWindow()}, 60 s); when N ({@link Thresholds#offlineErrors()},
 *       10) errors lie within the window the disk goes {@link DiskState#OFFLINE} and its error
 *       history is cleared. Errors on a disk that is not online are ignored.</li>
 *   <li>A {@linkplain #recordSmartResult SMART result} decides for an offline disk: PASS brings it
 *       back {@link DiskState#ONLINE}, FAIL keeps it offline (a later PASS may still bring it back).
 *       Results for disks that are not offline are ignored.</li>
 *   <li>When a disk is marked offline for the M-th time ({@link Thresholds#removeAfterOfflines()},
 *       3) within H ({@link Thresholds#offlineHistoryWindow()}, 1 h) it is at once permanently
 *       {@link DiskState#REMOVED}, whatever SMART later says: the marking returns both the
 *       ONLINE → OFFLINE and the OFFLINE → REMOVED transitions.</li>
 * </ul>
 * "Within" is inclusive: an event exactly W (or H) before now still counts. A disk never seen is
 * online. Time comes from the injected {@link InstantSource}. Thread-safe: every method is atomic
 * with respect to the others.
 */
public final class DiskHealthPolicy {

    /** A disk's health state. */
    public enum DiskState {
        /** Serving I/O. */
        ONLINE,
        /** Taken out of service until a SMART check passes; its data is being re-replicated. */
        OFFLINE,
        /** Permanently out of service. */
        REMOVED
    }

    /** Outcome of a SMART check. */
    public enum SmartResult {
        /** The drive reports itself healthy. */
        PASS,
        /** The drive reports a failure. */
        FAIL
    }

    /**
     * One state change of a disk.
     *
     * @param diskId the disk
     * @param from state before
     * @param to state after
     * @param at when it happened (the policy's clock)
     * @param reason why, for logs, alerts and the disk's status (e.g. "10 I/O errors in 60 s")
     */
    public record Transition(String diskId, DiskState from, DiskState to, Instant at, String reason) {
        /** Checks that nothing is missing. */
        public Transition {
            Objects.requireNonNull(diskId, "diskId");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The policy's thresholds (spec 20 §11 and open decision 9).
     *
     * @param offlineErrors errors/timeouts within {@code errorWindow} that take a disk offline
     *     ({@value #OFFLINE_ERRORS_PROPERTY}, default {@value #DEFAULT_OFFLINE_ERRORS})
     * @param errorWindow the sliding error window ({@value #ERROR_WINDOW_PROPERTY}, default 60 s)
     * @param removeAfterOfflines offline markings within {@code offlineHistoryWindow} that remove a
     *     disk permanently ({@value #REMOVE_AFTER_OFFLINES_PROPERTY}, default
     *     {@value #DEFAULT_REMOVE_AFTER_OFFLINES})
     * @param offlineHistoryWindow the window for offline markings
     *     ({@value #OFFLINE_HISTORY_WINDOW_PROPERTY}, default 3600 s)
     */
    public record Thresholds(
            int offlineErrors, Duration errorWindow, int removeAfterOfflines, Duration offlineHistoryWindow) {

        /** Config property (spec 20 §11): errors/timeouts that take a disk offline. */
        public static final String OFFLINE_ERRORS_PROPERTY = "cairn.stargate.disk_offline_errors";
        /** Default of {@value #OFFLINE_ERRORS_PROPERTY}. */
        public static final int DEFAULT_OFFLINE_ERRORS = 10;
        /** Config property (Cairn-defined): the error window in seconds. */
        public static final String ERROR_WINDOW_PROPERTY = "cairn.stargate.disk_offline_window_secs";
        /** Default of {@value #ERROR_WINDOW_PROPERTY}. */
        public static final int DEFAULT_ERROR_WINDOW_SECS = 60;
        /** Config property (Cairn-defined): offline markings that remove a disk permanently. */
        public static final String REMOVE_AFTER_OFFLINES_PROPERTY = "cairn.hades.disk_remove_offlines";
        /** Default of {@value #REMOVE_AFTER_OFFLINES_PROPERTY}. */
        public static final int DEFAULT_REMOVE_AFTER_OFFLINES = 3;
        /** Config property (Cairn-defined): the window for offline markings in seconds. */
        public static final String OFFLINE_HISTORY_WINDOW_PROPERTY = "cairn.hades.disk_remove_window_secs";
        /** Default of {@value #OFFLINE_HISTORY_WINDOW_PROPERTY}. */
        public static final int DEFAULT_OFFLINE_HISTORY_WINDOW_SECS = 3600;

        /** The spec's defaults: 10 errors in 60 s; removed after 3 offlines in 3600 s. */
        public static final Thresholds DEFAULTS = new Thresholds(
                DEFAULT_OFFLINE_ERRORS, Duration.ofSeconds(DEFAULT_ERROR_WINDOW_SECS),
                DEFAULT_REMOVE_AFTER_OFFLINES, Duration.ofSeconds(DEFAULT_OFFLINE_HISTORY_WINDOW_SECS));

        /** Validates the thresholds. */
        public Thresholds {
            if (offlineErrors < 1) {
                throw new IllegalArgumentException(
                        OFFLINE_ERRORS_PROPERTY + " must be at least 1, was " + offlineErrors);
            }
            if (errorWindow == null || errorWindow.isNegative() || errorWindow.isZero()) {
                throw new IllegalArgumentException(
                        "the disk error window must be positive, was " + errorWindow);
            }
            if (removeAfterOfflines < 1) {
                throw new IllegalArgumentException(REMOVE_AFTER_OFFLINES_PROPERTY
                        + " must be at least 1, was " + removeAfterOfflines);
            }
            if (offlineHistoryWindow == null || offlineHistoryWindow.isNegative() || offlineHistoryWindow.isZero()) {
                throw new IllegalArgumentException(
                        "the disk offline history window must be positive, was " + offlineHistoryWindow);
            }
        }
    }

    private static final class Disk {
        DiskState state = DiskState.ONLINE;
        final Deque<Instant> errors = new ArrayDeque<>();
        final Deque<Instant> offlineMarks = new ArrayDeque<>();
    }

    private final Thresholds thresholds;
    private final InstantSource clock;
    private final Map<String, Disk> disks = new HashMap<>();

    /**
     * Creates a policy with the spec's default thresholds.
     *
     * @param clock where time comes from
     */
    public DiskHealthPolicy(InstantSource clock) {
        this(Thresholds.DEFAULTS, clock);
    }

    /**
     * Creates a policy.
     *
     * @param thresholds the thresholds
     * @param clock where time comes from
     */
    public DiskHealthPolicy(Thresholds thresholds, InstantSource clock) {
        this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @return the thresholds in use */
    public Thresholds thresholds() {
        return thresholds;
    }

    /**
     * Records one I/O error or timeout on a disk.
     *
     * @param diskId the disk
     * @return the transitions it caused, in order: none, ONLINE → OFFLINE, or ONLINE → OFFLINE
     *     followed by OFFLINE → REMOVED
     */
    public synchronized List<Transition> recordError(String diskId) {
        Disk disk = disk(diskId);
        if (disk.state != DiskState.ONLINE) {
            return List.of();
        }
        Instant now = clock.instant();
        disk.errors.addLast(now);
        prune(disk.errors, now, thresholds.errorWindow());
        if (disk.errors.size() < thresholds.offlineErrors()) {
            return List.of();
        }
        disk.errors.clear();
        disk.state = DiskState.OFFLINE;
        Transition offline = new Transition(diskId, DiskState.ONLINE, DiskState.OFFLINE, now,
                thresholds.offlineErrors() + " I/O errors in " + human(thresholds.errorWindow()));
        disk.offlineMarks.addLast(now);
        prune(disk.offlineMarks, now, thresholds.offlineHistoryWindow());
        if (disk.offlineMarks.size() < thresholds.removeAfterOfflines()) {
            return List.of(offline);
        }
        disk.state = DiskState.REMOVED;
        return List.of(offline, new Transition(diskId, DiskState.OFFLINE, DiskState.REMOVED, now,
                "marked offline " + thresholds.removeAfterOfflines() + " times within "
                        + human(thresholds.offlineHistoryWindow())));
    }

    /**
     * Records the result of a SMART check of a disk.
     *
     * @param diskId the disk
     * @param result the check's outcome
     * @return OFFLINE → ONLINE when an offline disk passed, else nothing (a failed check keeps an
     *     offline disk offline; results for online or removed disks change nothing)
     */
    public synchronized Optional<Transition> recordSmartResult(String diskId, SmartResult result) {
        Objects.requireNonNull(result, "result");
        Disk disk = disk(diskId);
        if (disk.state != DiskState.OFFLINE || result == SmartResult.FAIL) {
            return Optional.empty();
        }
        disk.state = DiskState.ONLINE;
        return Optional.of(new Transition(
                diskId, DiskState.OFFLINE, DiskState.ONLINE, clock.instant(), "SMART check passed"));
    }

    /**
     * A disk's current state.
     *
     * @param diskId the disk
     * @return its state; ONLINE for a disk never seen
     */
    public synchronized DiskState state(String diskId) {
        Disk disk = disks.get(Objects.requireNonNull(diskId, "diskId"));
        return disk == null ? DiskState.ONLINE : disk.state;
    }

    /** @return the state of every disk seen so far, by disk id */
    public synchronized Map<String, DiskState> states() {
        Map<String, DiskState> states = new TreeMap<>();
        disks.forEach((id, disk) -> states.put(id, disk.state));
        return states;
    }

    /**
     * Forgets a disk (it has left the node's inventory); a disk with the same id later starts
     * online with no history.
     *
     * @param diskId the disk
     */
    public synchronized void forget(String diskId) {
        disks.remove(Objects.requireNonNull(diskId, "diskId"));
    }

    private Disk disk(String diskId) {
        return disks.computeIfAbsent(Objects.requireNonNull(diskId, "diskId"), id -> new Disk());
    }

    /** Drops the events older than {@code window} before {@code now} (one exactly that old stays). */
    private static void prune(Deque<Instant> events, Instant now, Duration window) {
        Instant oldest = now.minus(window);
        while (!events.isEmpty() && events.peekFirst().isBefore(oldest)) {
            events.removeFirst();
        }
    }

    /** "60 s", "1 h", "90 min"; whole seconds. */
    static String human(Duration d) {
        long secs = d.toSeconds();
        if (secs > 0 && secs % 3600 == 0) {
            return secs / 3600 + " h";
        }
        if (secs >= 3600 && secs % 60 == 0) {
            return secs / 60 + " min";
        }
        return secs + " s";
    }
}
