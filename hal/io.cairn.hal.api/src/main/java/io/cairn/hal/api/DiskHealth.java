package io.cairn.hal.api;

import java.util.Map;

/**
 * A device's health as of one moment: I/O error counts seen by the HAL, read and write latency
 * histograms, and device-reported attributes (SMART / NVMe health log names such as
 * {@code temperature_celsius}, {@code percentage_used}, {@code media_errors}).
 */
public record DiskHealth(long readErrors, long writeErrors, LatencyHistogram readLatency, LatencyHistogram writeLatency,
        Map<String, Long> attributes) {

    public DiskHealth {
        attributes = Map.copyOf(attributes);
    }
}
