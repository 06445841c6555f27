package io.cairn.storage.medusa.internal.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.internal.PrometheusRegistry;
import io.cairn.storage.api.local.LocalEntry;
import io.cairn.storage.api.local.LocalMetadataException;
import io.cairn.storage.api.local.LocalMetadataException.Reason;
import io.cairn.storage.api.local.LocalMetadataStore;
import io.cairn.storage.api.local.LocalWrite;

/** The DS component constructed by hand with a fake {@link LocalNode}, as SCR would, and its descriptor. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalMetadataComponentTest {

    @TempDir
    Path home;
    final PrometheusRegistry metrics = new PrometheusRegistry();

    LocalNode node() {
        return new LocalNode() {
            @Override
            public NodeIdentity identity() {
                throw new UnsupportedOperationException("the local metadata store needs only the home");
            }

            @Override
            public Path home() {
                return home;
            }
        };
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void givenFakeLocalNode_whenActivated_thenStoreLivesInDataLocalMetadataAndServes() {
        LocalMetadataStoreImpl component = new LocalMetadataStoreImpl(node(), metrics);
        try {
            LocalMetadataStore store = component;
            assertThat(home.resolve("data/local-metadata/CURRENT")).exists();
            assertThat(home.resolve("data/medusa")).doesNotExist();

            store.write(List.of(LocalWrite.put(b("egroup/0000000000000001"), b("disk-1")),
                    LocalWrite.put(b("disk/disk-1/egroup/0000000000000001"), new byte[0])));
            store.put(b("egroup/0000000000000002"), b("disk-2"));
            store.delete(b("egroup/0000000000000002"));
            assertThat(store.get(b("egroup/0000000000000001")).orElseThrow()).isEqualTo(b("disk-1"));
            assertThat(store.scan(b("egroup/"), null, 10)).containsExactly(new LocalEntry(b("egroup/0000000000000001"), b("disk-1")));
            store.sync();

            String scrape = metrics.scrape();
            assertThat(scrape).contains("# TYPE local_metadata_keys gauge", "# TYPE local_metadata_bytes gauge");
            assertThat(scrape.lines().filter(l -> l.startsWith("local_metadata_bytes ")).findFirst().orElseThrow())
                    .doesNotContain("NaN");
        } finally {
            component.deactivate();
        }
        assertThat(metrics.scrape()).doesNotContain("local_metadata_");
        assertThatThrownBy(() -> component.get(b("egroup/0000000000000001"))).isInstanceOfSatisfying(LocalMetadataException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));

        LocalMetadataStoreImpl again = new LocalMetadataStoreImpl(node(), metrics);
        try {
            assertThat(again.db().created()).isFalse();
            assertThat(again.scan(new byte[0], null, 10)).extracting(e -> new String(e.key(), StandardCharsets.UTF_8))
                    .containsExactly("disk/disk-1/egroup/0000000000000001", "egroup/0000000000000001");
        } finally {
            again.deactivate();
        }
    }

    @Test
    void givenRunningComponent_whenASecondOneStartsOnTheSameHome_thenActivationFailsInUseAndIsCounted() {
        LocalMetadataStoreImpl first = new LocalMetadataStoreImpl(node(), metrics);
        try {
            assertThatThrownBy(() -> new LocalMetadataStoreImpl(node(), metrics))
                    .isInstanceOfSatisfying(LocalMetadataException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.IN_USE);
                        assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
                        assertThat(e.getMessage()).contains(home.resolve("data/local-metadata").toString(), "already open");
                    });
            assertThat(metrics.scrape()).contains("local_metadata_errors_total{reason=\"in_use\"} 1");
            first.put(b("k"), b("v"));
            assertThat(first.get(b("k"))).isPresent();
        } finally {
            first.deactivate();
        }
    }

    /** ShardStore (Medusa's replica store) and the local store share the JNI library in this bundle. */
    @Test
    void givenMedusaReplicaStoreOpen_whenLocalStoreRunsBesideIt_thenBothWorkAndCloseIndependently() throws Exception {
        Class<?> shardStore = Class.forName("io.cairn.storage.medusa.internal.ShardStore");
        Method open = shardStore.getDeclaredMethod("open", Path.class);
        Method db = shardStore.getDeclaredMethod("db");
        open.setAccessible(true);
        db.setAccessible(true);
        AutoCloseable replicas = (AutoCloseable) open.invoke(null, home.resolve("data/medusa/store"));
        LocalMetadataStoreImpl local = null;
        try {
            local = new LocalMetadataStoreImpl(node(), metrics);
            RocksDB replicaDb = (RocksDB) db.invoke(replicas);
            replicaDb.put(b("medusa-key"), b("replicated"));
            local.put(b("local-key"), b("node-only"));

            assertThat(replicaDb.get(b("local-key"))).isNull();
            assertThat(local.get(b("medusa-key"))).isEmpty();

            replicas.close();
            replicas = null;
            local.put(b("after"), b("medusa closed"));
            assertThat(local.get(b("local-key")).orElseThrow()).isEqualTo(b("node-only"));

            local.deactivate();
            local = null;
            replicas = (AutoCloseable) open.invoke(null, home.resolve("data/medusa/store"));
            assertThat(((RocksDB) db.invoke(replicas)).get(b("medusa-key"))).isEqualTo(b("replicated"));
        } finally {
            if (local != null) {
                local.deactivate();
            }
            if (replicas != null) {
                replicas.close();
            }
        }
    }

    @Test
    void givenDsDescriptor_thenImmediateServiceWithMandatoryReferencesAndNoClusterScope() throws Exception {
        String xml;
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("OSGI-INF/io.cairn.storage.medusa.internal.local.LocalMetadataStoreImpl.xml")) {
            assertThat(in).as("bnd generated the component descriptor into target/classes").isNotNull();
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(xml).contains("immediate=\"true\"", "<provide interface=\"io.cairn.storage.api.local.LocalMetadataStore\"/>",
                "interface=\"io.cairn.cluster.api.LocalNode\"", "interface=\"io.cairn.common.metrics.MetricsRegistry\"",
                "deactivate=\"deactivate\"");
        assertThat(xml).doesNotContain("cairn.ready.scope", "cardinality=\"0", "configuration-policy=\"require\"");
    }

    @Test
    void givenRocksDbErrors_whenTranslated_thenReasonsAndMessagesSayWhatToDo() {
        Path dir = Path.of("/var/cairn/block-1/data/local-metadata");
        var full = LocalMetadataDb.translate(dir, "writing key 'k'", new RocksDBException("IO error: No space left on device: "
                + dir + "/000012.log", new Status(Status.Code.IOError, Status.SubCode.NoSpace, "No space left on device")));
        assertThat(full.reason()).isEqualTo(Reason.DISK_FULL);
        assertThat(full.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        assertThat(full.getMessage()).contains("writing key 'k' failed", "is full", "Free space", "re-read");

        var corrupt = LocalMetadataDb.translate(dir, "reading key 'k'", new RocksDBException("Corruption: block checksum mismatch",
                new Status(Status.Code.Corruption, Status.SubCode.None, "block checksum mismatch")));
        assertThat(corrupt.reason()).isEqualTo(Reason.CORRUPTED);
        assertThat(corrupt.getMessage()).contains("is corrupt", "rebuilt from replicas", "remove " + dir);

        var locked = LocalMetadataDb.translate(dir, "opening", new RocksDBException("IO error: While lock file: " + dir
                + "/LOCK: Resource temporarily unavailable", new Status(Status.Code.IOError, Status.SubCode.None, "")));
        assertThat(locked.reason()).isEqualTo(Reason.IN_USE);

        // "block-1" in the path is not a lock error
        var io = LocalMetadataDb.translate(dir, "writing key 'k'", new RocksDBException("IO error: Input/output error: " + dir
                + "/000012.log", new Status(Status.Code.IOError, Status.SubCode.None, "")));
        assertThat(io.reason()).isEqualTo(Reason.IO_ERROR);
        assertThat(io.getMessage()).contains("I/O error", "Check the disk", "re-read");

        var unknown = LocalMetadataDb.translate(dir, "scanning", new RocksDBException("something else"));
        assertThat(unknown.reason()).isEqualTo(Reason.IO_ERROR);
    }

    @Test
    void givenLocalEntryAndWrites_thenEqualityIsByContentAndToStringIsReadable() {
        assertThat(new LocalEntry(b("k"), b("v"))).isEqualTo(new LocalEntry(b("k"), b("v"))).hasSameHashCodeAs(
                new LocalEntry(b("k"), b("v")));
        assertThat(LocalWrite.put(b("k"), b("v"))).isEqualTo(LocalWrite.put(b("k"), b("v")))
                .isNotEqualTo(LocalWrite.delete(b("k")));
        assertThat(LocalWrite.delete(b("k"))).isEqualTo(LocalWrite.delete(b("k")));
        assertThat(LocalWrite.put(b("egroup/1"), new byte[3]).toString()).isEqualTo("Put['egroup/1', 3 bytes]");
        assertThat(LocalEntry.printable(new byte[] {0, (byte) 0xff})).isEqualTo("0x00ff");
        assertThatThrownBy(() -> LocalWrite.put(null, b("v"))).isInstanceOf(NullPointerException.class);
    }
}
