package io.cairn.security.auth.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.security.auth.SyslogServer;

/**
 * This node's forwarders, one per configured server that has the {@code AUDIT} module: {@link #apply}
 * starts the new ones, restarts the changed ones (they keep their cursor) and stops the removed ones
 * (their cursor is deleted, so a server added again later starts after the newest record).
 */
final class SyslogForwarders implements AutoCloseable {

    /** Spec 30 §10: at most this much of the log waits for one unreachable server. */
    static final long LIMIT_BYTES = 256L * 1024 * 1024;

    private final Logger logger = LoggerFactory.getLogger(SyslogForwarders.class);
    private final Path auditDir;
    private final Path stateDir;
    private final String hostname;
    private final long limitBytes;
    private final SyslogForwarder.Alerts alerts;
    private final Map<String, SyslogForwarder> running = new HashMap<>();

    SyslogForwarders(Path auditDir, Path stateDir, String hostname, long limitBytes, SyslogForwarder.Alerts alerts) {
        this.auditDir = auditDir;
        this.stateDir = stateDir;
        this.hostname = hostname;
        this.limitBytes = limitBytes;
        this.alerts = alerts;
    }

    synchronized void apply(List<SyslogServer> servers) {
        Map<String, SyslogServer> wanted = new HashMap<>();
        for (SyslogServer s : servers) {
            if (s.protocol() != SyslogServer.Protocol.RELP && s.modules().stream().anyMatch(m -> m.name().equals(SyslogServer.AUDIT))) {
                wanted.put(s.name(), s);
            }
        }
        for (var it = running.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            SyslogServer now = wanted.get(e.getKey());
            if (now == null || !now.equals(e.getValue().server())) {
                e.getValue().close();
                if (now == null) {
                    e.getValue().forget();
                    logger.info("audit forwarding to syslog server {} stopped", e.getKey());
                }
                it.remove();
            }
        }
        for (SyslogServer s : wanted.values()) {
            if (!running.containsKey(s.name())) {
                try {
                    running.put(s.name(), new SyslogForwarder(s, auditDir, stateDir, hostname, limitBytes, alerts));
                    logger.info("audit records go to syslog server {} ({} {}:{})", s.name(), s.protocol(), s.host(), s.port());
                } catch (RuntimeException e) {
                    logger.warn("cannot forward the audit log to syslog server {}: {}", s.name(), e.getMessage());
                }
            }
        }
    }

    /** The last seq handed to each server. */
    synchronized Map<String, Long> delivered() {
        Map<String, Long> out = new HashMap<>();
        running.forEach((n, f) -> out.put(n, f.delivered()));
        return out;
    }

    @Override
    public synchronized void close() {
        running.values().forEach(SyslogForwarder::close);
        running.clear();
    }
}
