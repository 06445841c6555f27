package io.cairn.iscsi.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

/**
 * The command window of a session (RFC 7143 §3.2.2.1, §4.2.2.1): non-immediate commands are
 * delivered in CmdSN order, those ahead of ExpCmdSN wait for the gap to fill, those outside
 * [ExpCmdSN, MaxCmdSN] are silently ignored. MaxCmdSN advances as delivered commands complete, so
 * at most {@code size} non-immediate commands are outstanding, and it never goes back. Immediate
 * commands bypass ordering and the window. Serial-number arithmetic (RFC 1982) throughout.
 *
 * @param <T> what is delivered (the connection's handler of the PDU)
 */
final class CmdSnWindow<T> {

    private final int size;
    private final Map<Integer, T> held = new HashMap<>();
    private int expCmdSn;
    private int inFlight;

    CmdSnWindow(int initialCmdSn, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("window size " + size);
        }
        this.expCmdSn = initialCmdSn;
        this.size = size;
    }

    synchronized int expCmdSn() {
        return expCmdSn;
    }

    synchronized int maxCmdSn() {
        return expCmdSn - 1 + size - inFlight;
    }

    /**
     * Offers a command. Returns what can be delivered now, in order (empty while {@code item} waits
     * for a gap to fill), or null when {@code cmdSn} is outside the window and the command must be
     * ignored. Every delivered non-immediate item must be {@link #complete completed} once.
     */
    synchronized List<T> submit(int cmdSn, boolean immediate, T item) {
        if (immediate) {
            return List.of(item);
        }
        if (!inWindow(cmdSn)) {
            return null;
        }
        if (cmdSn != expCmdSn) {
            if (held.containsKey(cmdSn)) {
                return null;
            }
            held.put(cmdSn, item);
            return List.of();
        }
        List<T> out = new ArrayList<>();
        out.add(item);
        expCmdSn++;
        inFlight++;
        T next;
        while ((next = held.remove(expCmdSn)) != null) {
            out.add(next);
            expCmdSn++;
            inFlight++;
        }
        return out;
    }

    /** A delivered non-immediate command completed: the window opens by one. */
    synchronized void complete() {
        if (inFlight > 0) {
            inFlight--;
        }
    }

    /** Whether {@code cmdSn} lies in [ExpCmdSN, MaxCmdSN]. */
    synchronized boolean inWindow(int cmdSn) {
        int span = size - 1 - inFlight; // MaxCmdSN - ExpCmdSN; -1 when the window is full
        return span >= 0 && Integer.compareUnsigned(cmdSn - expCmdSn, span) <= 0;
    }

    /** {@code a < b} in serial-number arithmetic. */
    static boolean before(int a, int b) {
        return a != b && (b - a) > 0;
    }
}
