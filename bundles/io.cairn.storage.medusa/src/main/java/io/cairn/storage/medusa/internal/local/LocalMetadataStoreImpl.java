package io.cairn.storage.medusa.internal.local;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.LocalNode;
import io.cairn.common.metrics.MetricsRegistry;
import io.cairn.storage.api.local.LocalEntry;
import io.cairn.storage.api.local.LocalMetadataException;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.api.local.LocalWrite;

/**
 * This node's {@link LocalMetadataStore}: a RocksDB in {@code <node home>/}{@value #DIRECTORY},
 * separate from Medusa's replica store ({@code data/medusa}) and never replicated. It needs only
 * the node's home, so it runs before the node joins a cluster (no cluster readiness scope), and
 * node readiness waits for it.
 */
@Component(service = LocalMetadataStore.class, immediate = true)
public final class LocalMetadataStoreImpl implements LocalMetadataStore {

    /** The store's directory, relative to the node home. */
    public static final String DIRECTORY = "data/local-metadata";

    static final String KEYS_METRIC = "local_metadata_keys";
    static final String BYTES_METRIC = "local_metadata_bytes";
    static final String ERRORS_METRIC = "local_metadata_errors_total";

    private final Logger logger = LoggerFactory.getLogger(LocalMetadataStoreImpl.class);
    private final MetricsRegistry metrics;
    private final LocalMetadataDb db;

    @Activate
    public LocalMetadataStoreImpl(@Reference LocalNode local, @Reference MetricsRegistry metrics) {
        this.metrics = metrics;
        Path dir = local.home().resolve(DIRECTORY);
        // RocksDB finds its native library through the bundle's class loader (as in MedusaService)
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(LocalMetadataStoreImpl.class.getClassLoader());
        try {
            this.db = LocalMetadataDb.open(dir, this::onFailure);
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
        metrics.gauge(KEYS_METRIC, "Keys in this node's local metadata store (RocksDB estimate)", db::keysEstimate);
        metrics.gauge(BYTES_METRIC, "Bytes of this node's local metadata store in table files and memtables", db::bytes);
        if (db.created()) {
            logger.info("Created an empty node-local metadata store at {}", dir);
        } else {
            logger.info("Opened the node-local metadata store at {} (an estimated {} keys)", dir, (long) db.keysEstimate());
        }
    }

    @Deactivate
    void deactivate() {
        metrics.remove(KEYS_METRIC);
        metrics.remove(BYTES_METRIC);
        metrics.remove(ERRORS_METRIC);
        db.close();
    }

    /** I/O, disk-full and corruption failures are expected faults: counted for alerts, logged without a stack trace. */
    private void onFailure(LocalMetadataException e) {
        metrics.counter(ERRORS_METRIC, "Failed operations of this node's local metadata store, by reason", "reason",
                e.reason().name().toLowerCase(java.util.Locale.ROOT)).increment();
        logger.info("node-local metadata store: {}", e.getMessage());
    }

    LocalMetadataDb db() {
        return db;
    }

    @Override
    public Optional<byte[]> get(byte[] key) {
        return db.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        db.put(key, value);
    }

    @Override
    public void delete(byte[] key) {
        db.delete(key);
    }

    @Override
    public void write(List<LocalWrite> writes) {
        db.write(writes);
    }

    @Override
    public List<LocalEntry> scan(byte[] prefix, byte[] startAfter, int limit) {
        return db.scan(prefix, startAfter, limit);
    }

    @Override
    public void sync() {
        db.sync();
    }
}
