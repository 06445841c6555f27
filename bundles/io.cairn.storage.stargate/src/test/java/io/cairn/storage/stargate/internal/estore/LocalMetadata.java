package io.cairn.storage.stargate.internal.estore;

import java.lang.reflect.Method;
import java.nio.file.Path;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.common.internal.PrometheusRegistry;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.medusa.internal.local.LocalMetadataStoreImpl;

/**
 * The real node-local metadata store (Medusa's RocksDB component) for tests, constructed as SCR
 * would, with a fake {@link LocalNode} whose home is a test directory. Closing calls the component's
 * package-private {@code @Deactivate} method by reflection, as SCR does.
 */
public final class LocalMetadata implements AutoCloseable {

    private final LocalMetadataStoreImpl component;

    private LocalMetadata(LocalMetadataStoreImpl component) {
        this.component = component;
    }

    /** Opens (creating if missing) the store under {@code home}/{@value LocalMetadataStoreImpl#DIRECTORY}. */
    public static LocalMetadata open(Path home) {
        LocalNode node = new LocalNode() {
            @Override
            public NodeIdentity identity() {
                throw new UnsupportedOperationException("the node-local metadata store needs only the home");
            }

            @Override
            public Path home() {
                return home;
            }
        };
        return new LocalMetadata(new LocalMetadataStoreImpl(node, new PrometheusRegistry()));
    }

    public LocalMetadataStore store() {
        return component;
    }

    @Override
    public void close() throws ReflectiveOperationException {
        Method deactivate = LocalMetadataStoreImpl.class.getDeclaredMethod("deactivate");
        deactivate.setAccessible(true);
        deactivate.invoke(component);
    }
}
