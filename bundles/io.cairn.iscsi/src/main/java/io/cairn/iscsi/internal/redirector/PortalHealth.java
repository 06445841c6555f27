package io.cairn.iscsi.internal.redirector;

/**
 * The health of one probed portal: unknown until its first probe, down after {@code missesBeforeDown}
 * consecutive misses or at once on connection refused, up again after one success. Thread-safe.
 */
final class PortalHealth {

    enum State {
        UNKNOWN, UP, DOWN
    }

    private final int missesBeforeDown;
    private State state = State.UNKNOWN;
    private int misses;
    private long upSinceNanos;

    PortalHealth(int missesBeforeDown) {
        this.missesBeforeDown = missesBeforeDown;
    }

    /** Applies one probe result at monotonic {@code nowNanos}; returns the new state when it changed, else null. */
    synchronized State apply(PortalProbe.Result result, long nowNanos) {
        State next = state;
        switch (result.outcome()) {
            case OK -> {
                misses = 0;
                next = State.UP;
            }
            case REFUSED -> {
                misses = Math.max(misses + 1, missesBeforeDown);
                next = State.DOWN;
            }
            case MISS -> {
                misses++;
                if (misses >= missesBeforeDown) {
                    next = State.DOWN;
                }
            }
        }
        if (next == state) {
            return null;
        }
        state = next;
        if (next == State.UP) {
            upSinceNanos = nowNanos;
        }
        return next;
    }

    synchronized State state() {
        return state;
    }

    /** Routable: not marked down (a portal not probed yet gets the benefit of the doubt). */
    synchronized boolean usable() {
        return state != State.DOWN;
    }

    /** Whether it has been up for at least {@code nanos} at {@code nowNanos}. */
    synchronized boolean upFor(long nanos, long nowNanos) {
        return state == State.UP && nowNanos - upSinceNanos >= nanos;
    }

    synchronized int misses() {
        return misses;
    }
}
