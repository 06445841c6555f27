package io.cairn.hal.api.faults;

import java.time.Duration;
import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/** A fault a simulated device can be told to have. Ranges are byte ranges; length 0 means "to the end". */
@ProviderType
public sealed interface Fault permits Fault.IoError, Fault.Latency, Fault.Disappear, Fault.Full, Fault.BitFlip,
        Fault.SmartFailure {

    /** Which operations a fault applies to. */
    enum Op {
        READ, WRITE, ANY;

        public boolean matches(Op actual) {
            return this == ANY || this == actual;
        }
    }

    /** Operations touching the range fail with EIO. */
    record IoError(Op op, long offset, long length) implements Fault {
        public IoError {
            Objects.requireNonNull(op, "op");
            requireRange(offset, length);
        }

        public static IoError everywhere(Op op) {
            return new IoError(op, 0, 0);
        }
    }

    /** Every matching operation takes {@code added} longer. */
    record Latency(Op op, Duration added) implements Fault {
        public Latency {
            Objects.requireNonNull(op, "op");
            if (added.isNegative()) {
                throw new IllegalArgumentException("added latency must not be negative: " + added);
            }
        }
    }

    /** The device is gone: every operation fails as if it had been pulled. */
    record Disappear() implements Fault {
    }

    /** The device is full: writes fail with ENOSPC; reads still work. */
    record Full() implements Fault {
    }

    /** Reads of the range return data with one bit flipped per block, and no error (silent corruption). */
    record BitFlip(long offset, long length) implements Fault {
        public BitFlip {
            requireRange(offset, length);
        }
    }

    /**
     * The device's self-test fails: its health reports SMART overall-health as failed
     * ({@code smart_passed} = 0) while I/O still works. Clearing the device's faults passes again.
     */
    record SmartFailure() implements Fault {
    }

    private static void requireRange(long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("fault range must not be negative: offset " + offset + ", length " + length);
        }
    }

}
