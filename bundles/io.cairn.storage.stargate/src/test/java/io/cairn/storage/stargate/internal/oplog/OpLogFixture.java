package io.cairn.storage.stargate.internal.oplog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.function.BooleanSupplier;

/** Shared helpers of the OpLog tests: store configurations, deterministic data, polling. */
final class OpLogFixture {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final long SMALL_SEGMENT = 256 << 10;

    private OpLogFixture() {
    }

    /** A config with small segments so that tests roll and delete segments. */
    static OpLogConfig smallSegments(Path dir, long capacity) {
        return new OpLogConfig(dir, capacity, SMALL_SEGMENT, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES);
    }

    /** Deterministic, non-zero bytes for a write of {@code vdisk} numbered {@code sequence}. */
    static byte[] pattern(long vdisk, long sequence, int length) {
        byte[] data = new byte[length];
        new Random(vdisk * 1_000_003L + sequence).nextBytes(data);
        data[0] = 1; // never all zero
        return data;
    }

    /** Polls {@code condition} until it holds or the deadline passes (then fails with {@code what}). */
    static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting until " + what);
            }
            Thread.sleep(5);
        }
    }
}
