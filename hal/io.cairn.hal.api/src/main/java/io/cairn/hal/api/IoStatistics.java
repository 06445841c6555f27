package io.cairn.hal.api;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Error counts and latency histograms a provider keeps per device; thread-safe. */
public final class IoStatistics {

    private final AtomicLong readErrors = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final LatencyHistogram.Recorder readLatency = new LatencyHistogram.Recorder();
    private final LatencyHistogram.Recorder writeLatency = new LatencyHistogram.Recorder();

    public void readError() {
        readErrors.incrementAndGet();
    }

    public void writeError() {
        writeErrors.incrementAndGet();
    }

    public void read(long nanos) {
        readLatency.record(nanos);
    }

    public void wrote(long nanos) {
        writeLatency.record(nanos);
    }

    public DiskHealth health(Map<String, Long> attributes) {
        return new DiskHealth(readErrors.get(), writeErrors.get(), readLatency.snapshot(), writeLatency.snapshot(), attributes);
    }
}
