package io.cairn.security.auth.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.Presence;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.cluster.api.ZeusLock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** Test-only: Zeus documents in memory with versions and compare-and-set; {@link #beforeWrite} lets a test race a write. */
final class FakeZeus implements Zeus {

    final Map<String, VersionedDocument> docs = new TreeMap<>();
    /** Run (once) just before the next write's version check, outside the lock: a concurrent change. */
    volatile Runnable beforeWrite;
    /** What {@link #cluster()} and {@link #presences()} answer (null: unsupported). */
    volatile ClusterConfig config;
    volatile List<ServicePresence> presences = List.of();

    @Override
    public synchronized Optional<VersionedDocument> read(String document) {
        return Optional.ofNullable(docs.get(document));
    }

    @Override
    public synchronized List<String> list(String prefix) {
        String p = prefix.isEmpty() ? "" : prefix + "/";
        return docs.keySet().stream().filter(k -> k.startsWith(p)).map(k -> k.substring(p.length())).filter(k -> !k.contains("/"))
                .sorted().toList();
    }

    @Override
    public VersionedDocument write(String document, byte[] data, int expectedVersion) {
        Runnable race = beforeWrite;
        if (race != null) {
            beforeWrite = null;
            race.run();
        }
        synchronized (this) {
            VersionedDocument cur = docs.get(document);
            int version = cur == null ? VersionedDocument.ABSENT : cur.version();
            if (version != expectedVersion) {
                throw new CairnException(ErrorCode.CONFLICT, "document " + document + " is at version " + version);
            }
            VersionedDocument next = new VersionedDocument(document, data, version + 1);
            docs.put(document, next);
            return next;
        }
    }

    @Override
    public synchronized void delete(String document, int expectedVersion) {
        VersionedDocument cur = docs.get(document);
        if (cur == null || cur.version() != expectedVersion) {
            throw new CairnException(ErrorCode.CONFLICT, "document " + document + " is not at version " + expectedVersion);
        }
        docs.remove(document);
    }

    @Override
    public ClusterConfig cluster() {
        if (config == null) {
            throw new UnsupportedOperationException();
        }
        return config;
    }

    @Override
    public Registration watch(String document, Consumer<Optional<VersionedDocument>> listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Presence announce(String service, Map<String, String> attributes) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<ServicePresence> presences() {
        return presences;
    }

    @Override
    public Registration elect(String role, LeadershipListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<LeaderInfo> leaders() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<LeaderInfo> leader(String role) {
        return Optional.empty();
    }

    @Override
    public ZeusLock lock(String name, Duration wait) {
        throw new UnsupportedOperationException();
    }
}
