package io.cairn.storage.curator.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.cairn.storage.curator.internal.CuratorService.ScanType;

/**
 * The scans this node ran as Curator leader, for the 2010 page (spec 20 §21: running and completed
 * Curator jobs, last successful scans): the one running now, the last {@value #KEEP} completed
 * (newest first) and the last successful one of each type, kept even when older ones roll off. In
 * memory only: a new leader starts empty (the Zeus status document still shows the last scan).
 * Thread-safe.
 */
public final class ScanHistory {

    public static final int KEEP = 50;
    public static final String SUCCEEDED = "succeeded";
    public static final String INTERRUPTED = "interrupted (leadership lost or Curator stopping)";

    /** A scan running now. */
    public record Running(long executionId, ScanType type, String reason, Instant started) {

        public Running {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(started, "started");
        }
    }

    /**
     * A completed scan: repairs = extent groups the owners re-protected, orphans deleted = replicas
     * garbage-collected (full scans), under-replicated left = extent groups still short of their
     * replication factor afterwards; outcome {@value #SUCCEEDED}, {@value #INTERRUPTED} or
     * {@code failed: <why>}.
     */
    public record Entry(long executionId, ScanType type, String reason, Instant started, Duration duration, int repairs,
            int orphansDeleted, long underReplicatedLeft, String outcome) {

        public Entry {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(started, "started");
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(outcome, "outcome");
        }

        public boolean succeeded() {
            return SUCCEEDED.equals(outcome);
        }
    }

    private final int keep;
    private final Deque<Entry> completed = new ArrayDeque<>();
    private final Map<ScanType, Entry> lastSuccessful = new EnumMap<>(ScanType.class);
    private Running running;

    public ScanHistory() {
        this(KEEP);
    }

    ScanHistory(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("a scan history keeps at least 1 scan, not " + keep);
        }
        this.keep = keep;
    }

    public synchronized void started(Running r) {
        running = Objects.requireNonNull(r, "r");
    }

    public synchronized void finished(Entry e) {
        if (running != null && running.executionId() == e.executionId()) {
            running = null;
        }
        completed.addFirst(e);
        while (completed.size() > keep) {
            completed.removeLast();
        }
        if (e.succeeded()) {
            lastSuccessful.put(e.type(), e);
        }
    }

    public synchronized Optional<Running> running() {
        return Optional.ofNullable(running);
    }

    /** Completed scans, newest first. */
    public synchronized List<Entry> completed() {
        return List.copyOf(completed);
    }

    /** The last successful scan of each type that had one. */
    public synchronized Map<ScanType, Entry> lastSuccessful() {
        return Map.copyOf(lastSuccessful);
    }
}
