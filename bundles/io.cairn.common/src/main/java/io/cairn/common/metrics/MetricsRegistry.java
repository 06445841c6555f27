package io.cairn.common.metrics;

import java.util.function.DoubleSupplier;

/**
 * This node's metrics. Names follow Prometheus rules ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}, base
 * units, counters ending in {@code _total}); labels are given as alternating name, value pairs.
 * Asking twice for the same name and labels returns the same instrument.
 */
@org.osgi.annotation.versioning.ProviderType
public interface MetricsRegistry {

    Counter counter(String name, String help, String... labels);

    /** A gauge read from {@code value} at scrape time; registering it again replaces the supplier. */
    void gauge(String name, String help, DoubleSupplier value, String... labels);

    /** A histogram with the given upper bounds (ascending; +Inf is added). */
    Histogram histogram(String name, String help, double[] buckets, String... labels);

    /** Removes every series of {@code name} (when its owner stops). */
    void remove(String name);

    /** Every metric in the Prometheus text exposition format 0.0.4. */
    String scrape();
}
