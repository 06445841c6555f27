package io.cairn.common.metrics;

/** A distribution (latencies in seconds, sizes in bytes) with fixed cumulative buckets. */
@org.osgi.annotation.versioning.ProviderType
public interface Histogram {

    void observe(double value);

    long count();

    double sum();
}
