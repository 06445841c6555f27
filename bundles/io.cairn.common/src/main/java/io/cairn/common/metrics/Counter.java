package io.cairn.common.metrics;

/** A monotonically increasing count. */
@org.osgi.annotation.versioning.ProviderType
public interface Counter {

    void increment();

    void add(long amount);

    long value();
}
