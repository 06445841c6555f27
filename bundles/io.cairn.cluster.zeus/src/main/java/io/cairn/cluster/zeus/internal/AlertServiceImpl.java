package io.cairn.cluster.zeus.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.common.alerts.Alert;
import io.cairn.common.alerts.AlertListener;
import io.cairn.common.alerts.AlertService;
import io.cairn.common.alerts.Severity;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The cluster-wide alert bus: alerts live in Zookeeper ({@code /cairn/alerts/alert-N}, the newest
 * {@value #KEEP} kept); every node watches them and hands new and acknowledged alerts to its local
 * {@link AlertListener}s, each call bounded by a timeout.
 */
@Component(service = AlertService.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class AlertServiceImpl implements AlertService {

    static final String ALERTS = "/cairn/alerts";
    static final int KEEP = 1000;
    private static final long LISTENER_TIMEOUT_MS = 5000;

    record AlertDoc(String id, String source, String node, Severity severity, String title, String message, long raised,
            String acknowledgedBy, long acknowledged) {

        Alert alert() {
            return new Alert(id, source, node, severity, title, message, Instant.ofEpochMilli(raised), acknowledgedBy,
                    acknowledged == 0 ? null : Instant.ofEpochMilli(acknowledged));
        }
    }

    private final Logger logger = LoggerFactory.getLogger(AlertServiceImpl.class);
    private final ZeusService zeus;
    private final CuratorFramework curator;
    private final Clock clock;
    private final Map<AlertListener, Boolean> listeners = new ConcurrentHashMap<>();
    private final ExecutorService dispatch = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("alert-dispatch").factory());
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final CuratorCache cache;

    @Activate
    public AlertServiceImpl(@Reference ZeusService zeus, @Reference Clock clock) {
        this.zeus = zeus;
        this.curator = zeus.curator();
        this.clock = clock;
        this.cache = CuratorCache.builder(curator, ALERTS).build();
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(d -> notify(d))
                .forChanges((before, after) -> notify(after))
                .build());
        cache.start();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addListener(AlertListener listener) {
        listeners.put(listener, Boolean.TRUE);
    }

    void removeListener(AlertListener listener) {
        listeners.remove(listener);
    }

    private void notify(ChildData data) {
        if (data.getPath().equals(ALERTS) || data.getData() == null || data.getData().length == 0) {
            return;
        }
        AlertDoc doc;
        try {
            doc = Json.read(data.getData(), AlertDoc.class, "alert " + data.getPath());
        } catch (CairnException e) {
            return;
        }
        if (doc.id() == null || doc.id().isEmpty()) {
            return;
        }
        Alert alert = doc.alert();
        dispatch.execute(() -> {
            for (AlertListener l : listeners.keySet()) {
                Future<?> f = calls.submit(() -> l.alert(alert));
                try {
                    f.get(LISTENER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    f.cancel(true);
                    logger.warn("alert listener {} took longer than {} ms for alert {}; skipped", l, LISTENER_TIMEOUT_MS, alert.id());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    logger.warn("alert listener {} failed on alert {}: {}", l, alert.id(), e.getCause().toString());
                }
            }
        });
    }

    @Override
    public Alert raise(String source, Severity severity, String title, String message) {
        if (source == null || source.isBlank() || title == null || title.isBlank() || severity == null) {
            throw CairnException.invalid("an alert needs a source, a severity (INFO, WARNING, CRITICAL) and a title");
        }
        long now = clock.millis();
        String node = zeus.self().address();
        return zeus.call("raise an alert", () -> {
            String path = curator.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(ALERTS + "/alert-", new byte[0]);
            String id = path.substring(path.lastIndexOf('/') + 1);
            AlertDoc doc = new AlertDoc(id, source, node, severity, title, message, now, "", 0);
            curator.setData().forPath(path, Json.write(doc));
            logger.info("Alert {} {} from {}: {}", id, severity, source, title);
            trim();
            return doc.alert();
        });
    }

    private void trim() throws Exception {
        List<String> ids = curator.getChildren().forPath(ALERTS).stream().sorted().toList();
        for (int i = 0; i < ids.size() - KEEP; i++) {
            try {
                curator.delete().forPath(ALERTS + "/" + ids.get(i));
            } catch (KeeperException.NoNodeException e) {
                // trimmed by another node
            }
        }
    }

    @Override
    public List<Alert> list(int limit) {
        if (limit < 1) {
            throw CairnException.invalid("limit must be at least 1, not " + limit);
        }
        return zeus.call("list alerts", () -> {
            List<String> ids;
            try {
                ids = curator.getChildren().forPath(ALERTS).stream().sorted().toList();
            } catch (KeeperException.NoNodeException e) {
                return List.of();
            }
            List<Alert> out = new ArrayList<>();
            for (String id : ids.subList(Math.max(0, ids.size() - limit), ids.size())) {
                try {
                    byte[] data = curator.getData().forPath(ALERTS + "/" + id);
                    if (data.length > 0) {
                        out.add(Json.read(data, AlertDoc.class, "alert " + id).alert());
                    }
                } catch (KeeperException.NoNodeException e) {
                    // trimmed meanwhile
                }
            }
            return out;
        });
    }

    @Override
    public Alert acknowledge(String id, String by) {
        if (id == null || !id.matches("alert-[0-9]{10}")) {
            throw CairnException.invalid("'" + id + "' is not an alert id (alert-0000000001)");
        }
        if (by == null || by.isBlank()) {
            throw CairnException.invalid("say who acknowledges the alert");
        }
        for (int i = 0; i < 10; i++) {
            Alert result = zeus.call("acknowledge alert " + id, () -> {
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = curator.getData().storingStatIn(stat).forPath(ALERTS + "/" + id);
                } catch (KeeperException.NoNodeException e) {
                    throw CairnException.notFound("alert " + id + " does not exist (or was trimmed: only the newest " + KEEP + " are kept)");
                }
                AlertDoc d = Json.read(data, AlertDoc.class, "alert " + id);
                if (!d.acknowledgedBy().isEmpty()) {
                    return d.alert();
                }
                AlertDoc acked = new AlertDoc(d.id(), d.source(), d.node(), d.severity(), d.title(), d.message(), d.raised(), by,
                        clock.millis());
                try {
                    curator.setData().withVersion(stat.getVersion()).forPath(ALERTS + "/" + id, Json.write(acked));
                    return acked.alert();
                } catch (KeeperException.BadVersionException e) {
                    return null;
                }
            });
            if (result != null) {
                return result;
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, "alert " + id + " kept changing; retry");
    }

    @Deactivate
    void deactivate() {
        cache.close();
        dispatch.shutdownNow();
        calls.shutdownNow();
    }
}
