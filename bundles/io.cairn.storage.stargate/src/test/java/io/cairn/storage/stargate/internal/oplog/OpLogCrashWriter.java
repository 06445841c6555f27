package io.cairn.storage.stargate.internal.oplog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.cairn.common.internal.SystemClock;

/**
 * The child JVM of {@link OpLogRecoveryTest}: appends 4 KiB writes to four vDisks from four
 * virtual threads and prints {@code ACK <vdisk> <sequence>} after each append returned durable,
 * until it is killed (or has written {@code limit} writes per vDisk).
 */
public final class OpLogCrashWriter {

    static final int VDISKS = 4;
    static final int WRITE_BYTES = 4096;
    static final long SEGMENT_BYTES = 64 << 10;

    private OpLogCrashWriter() {
    }

    static OpLogConfig config(Path dir) {
        return new OpLogConfig(dir, 64L << 20, SEGMENT_BYTES, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES);
    }

    /** Where write {@code sequence} of a vDisk goes: its own 4 KiB slot, so every acknowledged write stays readable. */
    static long offsetOf(long sequence) {
        return sequence * WRITE_BYTES;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int limit = Integer.parseInt(args[1]);
        SystemClock clock = SystemClock.withDefaults();
        OpLogStore store = OpLogStore.open(config(dir), clock);
        try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long vdisk = 0; vdisk < VDISKS; vdisk++) {
                long id = vdisk;
                writers.submit(() -> {
                    for (long s = 0; s < limit; s++) {
                        store.appendDurably(OpLogRecord.data(id, 1, s, offsetOf(s), OpLogFixture.pattern(id, s, WRITE_BYTES)), Duration.ofMinutes(1));
                        synchronized (System.out) {
                            System.out.println("ACK " + id + " " + s);
                            System.out.flush();
                        }
                    }
                    return null;
                });
            }
        }
        store.close();
        clock.close();
    }
}
