package io.cairn.security.auth.internal;

import java.nio.file.Path;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.cluster.api.LocalNode;
import io.cairn.common.clock.Clock;
import io.cairn.security.auth.AuditEvent;
import io.cairn.security.auth.AuditLog;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditVerification;

/** This node's audit log: {@code <node home>/logs/audit/audit.log} (PID {@value Config#PID}). */
@Component(service = AuditLog.class, configurationPid = AuditLogComponent.Config.PID)
@Designate(ocd = AuditLogComponent.Config.class)
public final class AuditLogComponent implements AuditLog {

    @ObjectClassDefinition(name = "Cairn audit log", description = "The node's hash-chained audit log (spec 30 §10)")
    public @interface Config {

        String PID = "io.cairn.security.audit";

        @AttributeDefinition(description = "A file is rotated when it would grow past this many bytes (spec: 100 MiB)", min = "1024")
        long audit__rotate__bytes() default 100L * 1024 * 1024;

        @AttributeDefinition(description = "Files kept, the current one included (spec: 10)", min = "1")
        int audit__files__kept() default 10;
    }

    private final FileAuditLog log;

    @Activate
    public AuditLogComponent(@Reference LocalNode node, @Reference Clock clock, Config config) {
        Path dir = node.home().resolve("logs").resolve("audit");
        this.log = new FileAuditLog(dir, node.identity().uuid().toString(), clock, config.audit__rotate__bytes(), config.audit__files__kept());
    }

    @Deactivate
    void deactivate() {
        log.close();
    }

    @Override
    public AuditRecord record(AuditEvent event) {
        return log.record(event);
    }

    @Override
    public void checkWritable() {
        log.checkWritable();
    }

    @Override
    public List<AuditRecord> read(AuditQuery query) {
        return log.read(query);
    }

    @Override
    public AuditVerification verify() {
        return log.verify();
    }
}
