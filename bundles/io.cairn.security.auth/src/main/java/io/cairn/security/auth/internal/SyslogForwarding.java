package io.cairn.security.auth.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.alerts.AlertService;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.security.auth.SyslogServer;

/**
 * Forwards this node's audit log to the cluster's syslog servers ({@code audit/syslog-servers/<name>}
 * in Zeus, re-read every {@value #RELOAD_SECONDS} s). Cursors live in {@code <node home>/logs/audit/syslog/}.
 */
@Component(immediate = true, service = {}, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class SyslogForwarding {

    static final int RELOAD_SECONDS = 2;

    private final Logger logger = LoggerFactory.getLogger(SyslogForwarding.class);
    private final AuthStore store;
    private final SyslogForwarders forwarders;
    private final ScheduledExecutorService reload;
    private volatile AlertService alerts;

    @Activate
    public SyslogForwarding(@Reference Zeus zeus, @Reference LocalNode node) {
        this.store = new AuthStore(zeus);
        Path audit = node.home().resolve("logs").resolve("audit");
        this.forwarders = new SyslogForwarders(audit, audit.resolve("syslog"), node.identity().address(), SyslogForwarders.LIMIT_BYTES,
                (severity, title, message) -> {
                    AlertService a = alerts;
                    if (a != null) {
                        a.raise("audit", severity, title, message);
                    }
                });
        this.reload = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("audit-syslog-config").unstarted(r));
        reload.scheduleWithFixedDelay(this::reload, 0, RELOAD_SECONDS, TimeUnit.SECONDS);
    }

    private void reload() {
        try {
            List<SyslogServer> servers = store.list(AuthStore.SYSLOG_SERVERS, SyslogServer.class);
            forwarders.apply(servers);
        } catch (CairnException e) {
            logger.debug("syslog servers not re-read: {}", e.getMessage()); // no quorum: keep the current ones
        } catch (RuntimeException e) {
            logger.warn("syslog servers not re-read", e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setAlerts(AlertService a) {
        alerts = a;
    }

    void unsetAlerts(AlertService a) {
        if (alerts == a) {
            alerts = null;
        }
    }

    @Deactivate
    void deactivate() {
        reload.shutdownNow();
        try {
            reload.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        forwarders.close();
    }
}
