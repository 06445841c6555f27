package io.cairn.hal.api;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latency counts in power-of-two microsecond buckets: bucket {@code i} counts operations that took
 * less than {@code 2^i} µs (bucket 0: under 1 µs); the last bucket counts everything slower.
 * Immutable snapshot; {@link Recorder} is the thread-safe, allocation-free counter providers use.
 */
public record LatencyHistogram(long[] counts) {

    public static final int BUCKETS = 24; // the last one is 2^23 µs ≈ 8.4 s and slower

    public LatencyHistogram {
        counts = counts.clone();
    }

    public long total() {
        return Arrays.stream(counts).sum();
    }

    /** Upper bound in µs of the bucket holding the given quantile (0..1), or 0 when empty. */
    public long quantileMicros(double q) {
        long total = total();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return 1L << i;
            }
        }
        return 1L << (counts.length - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencyHistogram" + Arrays.toString(counts);
    }

    /** Thread-safe recorder. */
    public static final class Recorder {
        private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

        public void record(long nanos) {
            long micros = Math.max(0, nanos / 1000);
            int bucket = micros == 0 ? 0 : Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(micros));
            counts.incrementAndGet(bucket);
        }

        public LatencyHistogram snapshot() {
            long[] c = new long[BUCKETS];
            for (int i = 0; i < BUCKETS; i++) {
                c[i] = counts.get(i);
            }
            return new LatencyHistogram(c);
        }
    }
}
