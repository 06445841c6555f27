package io.cairn.prism.gateway.internal.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiException;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiRequest;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;
import io.cairn.security.auth.AccountAdmin;
import io.cairn.security.auth.AuditForwarding;
import io.cairn.security.auth.DirectoryConfig;
import io.cairn.security.auth.RoleMapping;
import io.cairn.security.auth.SyslogServer;

/**
 * Directories (LDAP/AD providers with their role mappings) and the audit log over REST (spec 30
 * §9-10): {@code /auth/directories} and {@code /audit/syslog-servers} (where every node forwards its
 * audit records; {@code /audit/events}: {@link AuditEndpoints}). The auth bundle checks the caller's rights again and audits
 * each directory and syslog server change; a directory is saved only after its service account could bind.
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class AuthEndpoints implements ApiEndpoints {

    static final Schema MAPPING = Schema.object("who gets a role").required("kind", Schema.string("USER, GROUP or OU").values("USER", "GROUP",
            "OU")).required("value", Schema.string("login name or DN, group CN or DN, or OU DN suffix"))
            .required("role", Schema.string("a role name, e.g. operator"));
    static final Schema DIRECTORY_SPEC = Schema.object("an LDAP or Active Directory provider (search-then-bind)")
            .required("name", Schema.string("its name"))
            .required("type", Schema.string("OPEN_LDAP or ACTIVE_DIRECTORY").values("OPEN_LDAP", "ACTIVE_DIRECTORY"))
            .required("url", Schema.string("ldaps://host:port, or ldap://host:port with start_tls"))
            .property("start_tls", Schema.bool("required with ldap://"))
            .property("domain", Schema.string("the AD domain (user@domain, DOMAIN\\\\user)"))
            .required("search_base", Schema.string("where users and groups are searched"))
            .required("service_account_dn", Schema.string("the search account's bind DN"))
            .property("service_account_password", Schema.string("its password: sent with every create and replace, never returned"))
            .property("user_attribute", Schema.string("uid (LDAP, default) or sAMAccountName (AD, default)"))
            .property("ca_certificate_pem", Schema.string("PEM certificates to trust for the directory's TLS"))
            .property("role_mappings", Schema.array("who gets which role", MAPPING));
    static final Schema DIRECTORY = Entities.schema("directory", DIRECTORY_SPEC, Schema.object("nothing yet").open());
    static final Schema SYSLOG_MODULE = Schema.object("what is sent to the server").required("name", Schema.string("the module: AUDIT")
            .values("AUDIT")).property("level", Schema.string("the lowest severity sent (INFO by default: every audit record; NOTICE: "
                    + "failures and denials; WARNING: denials)").values("EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE",
                            "INFO", "DEBUG"));
    static final Schema SYSLOG_SPEC = Schema.object("a remote syslog server every node forwards its audit records to (RFC 5424: "
            + "app-name cairn-audit, msgid = the action, message = the record's JSON line with its hash)")
            .required("name", Schema.string("its name"))
            .required("ip_address", Schema.string("IP address or host name"))
            .property("port", Schema.integer("default 514 (udp, tcp) or 6514 (tls)").minimum(1))
            .required("network_protocol", Schema.string("udp (RFC 5426), tcp (RFC 6587 octet counting, at-least-once), tls (RFC 5425); "
                    + "relp is refused (not supported yet)").values("udp", "tcp", "tls", "relp"))
            .property("ca_certificate_pem", Schema.string("tls only: PEM certificates to trust (default: the JVM's trust store)"))
            .property("modules", Schema.array("records are sent only with the AUDIT module", SYSLOG_MODULE));
    static final Schema SYSLOG_SERVER = Entities.schema("syslog_server", SYSLOG_SPEC, Schema.object("nothing yet").open());

    private final AccountAdmin accounts;
    private final AuditForwarding forwarding;

    @Activate
    public AuthEndpoints(@Reference AccountAdmin accounts, @Reference AuditForwarding forwarding) {
        this.accounts = accounts;
        this.forwarding = forwarding;
    }

    @Override
    public String tag() {
        return "auth";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.list("/auth/directories", "auth", "Directories (service account passwords never shown)", DIRECTORY,
                        r -> ApiResponse.ok(Entities.list(accounts.directories(caller(r)).stream().map(AuthEndpoints::directory).toList()))),
                ApiOperation.get("/auth/directories/{name}", "auth", "One directory", DIRECTORY, r -> ApiResponse.ok(directory(find(r)))),
                new ApiOperation("POST", "/auth/directories", "auth", Action.CREATE, "Add a directory (its service account must bind)",
                        DIRECTORY, DIRECTORY, 201, false, r -> {
                            String name = r.body().path("spec").path("name").asText();
                            if (accounts.directories(caller(r)).stream().anyMatch(d -> d.name().equals(name))) {
                                throw ApiException.conflict("ALREADY_EXISTS", "directory " + name + " exists; PUT /api/v1/auth/directories/"
                                        + name + " replaces it");
                            }
                            return ApiResponse.created(directory(accounts.putDirectory(caller(r), config(r.body().path("spec")))));
                        }),
                new ApiOperation("PUT", "/auth/directories/{name}", "auth", Action.UPDATE,
                        "Replace a directory (send metadata.version and the service account password)", DIRECTORY, DIRECTORY, 200, false, r -> {
                            DirectoryConfig now = find(r);
                            Entities.checkVersion(r.body(), version(now), "directory " + now.name());
                            JsonNode spec = r.body().path("spec");
                            if (!spec.path("name").asText().equals(now.name())) {
                                throw ApiException.badRequest("RENAME_NOT_SUPPORTED", "spec.name must stay " + now.name()
                                        + "; add a directory under the new name and delete this one");
                            }
                            return ApiResponse.ok(directory(accounts.putDirectory(caller(r), config(spec))));
                        }),
                new ApiOperation("DELETE", "/auth/directories/{name}", "auth", Action.DELETE, "Remove a directory (its users can no longer "
                        + "log in)", null, null, 204, false, r -> {
                            accounts.deleteDirectory(caller(r), find(r).name());
                            return ApiResponse.noContent();
                        }),
                ApiOperation.list("/audit/syslog-servers", "audit", "Remote syslog servers the audit log is forwarded to", SYSLOG_SERVER,
                        r -> ApiResponse.ok(Entities.list(forwarding.syslogServers(caller(r)).stream().map(AuthEndpoints::syslogServer).toList()))),
                ApiOperation.get("/audit/syslog-servers/{name}", "audit", "One syslog server", SYSLOG_SERVER,
                        r -> ApiResponse.ok(syslogServer(findSyslog(r)))),
                new ApiOperation("POST", "/audit/syslog-servers", "audit", Action.CREATE, "Add a syslog server (Cluster Admin; records "
                        + "written from then on are forwarded once it has the AUDIT module)", SYSLOG_SERVER, SYSLOG_SERVER, 201, false, r -> {
                            String name = r.body().path("spec").path("name").asText();
                            if (forwarding.syslogServers(caller(r)).stream().anyMatch(s -> s.name().equals(name))) {
                                throw ApiException.conflict("ALREADY_EXISTS", "syslog server " + name + " exists; PUT "
                                        + "/api/v1/audit/syslog-servers/" + name + " replaces it");
                            }
                            return ApiResponse.created(syslogServer(forwarding.putSyslogServer(caller(r), syslogConfig(r.body().path("spec")))));
                        }),
                new ApiOperation("PUT", "/audit/syslog-servers/{name}", "audit", Action.UPDATE, "Replace a syslog server (send "
                        + "metadata.version; forwarding continues after the last record sent)", SYSLOG_SERVER, SYSLOG_SERVER, 200, false, r -> {
                            SyslogServer now = findSyslog(r);
                            Entities.checkVersion(r.body(), syslogVersion(now), "syslog server " + now.name());
                            JsonNode spec = r.body().path("spec");
                            if (!spec.path("name").asText().equals(now.name())) {
                                throw ApiException.badRequest("RENAME_NOT_SUPPORTED", "spec.name must stay " + now.name()
                                        + "; add a server under the new name and delete this one");
                            }
                            return ApiResponse.ok(syslogServer(forwarding.putSyslogServer(caller(r), syslogConfig(spec))));
                        }),
                new ApiOperation("DELETE", "/audit/syslog-servers/{name}", "audit", Action.DELETE, "Stop forwarding to a syslog server "
                        + "(records not yet sent to it are dropped)", null, null, 204, false, r -> {
                            forwarding.deleteSyslogServer(caller(r), findSyslog(r).name());
                            return ApiResponse.noContent();
                        }));
    }

    private SyslogServer findSyslog(ApiRequest r) {
        String name = r.path("name");
        return forwarding.syslogServers(caller(r)).stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.notFound("no syslog server " + name + "; GET /api/v1/audit/syslog-servers lists them"));
    }

    /** The server a spec describes (validated again, with clear messages, by the auth bundle). */
    static SyslogServer syslogConfig(JsonNode s) {
        List<SyslogServer.Module> modules = new ArrayList<>();
        for (JsonNode m : s.path("modules")) {
            modules.add(new SyslogServer.Module(m.path("name").asText(), text(m, "level")));
        }
        SyslogServer.Protocol protocol = SyslogServer.Protocol.valueOf(s.path("network_protocol").asText().toUpperCase(Locale.ROOT));
        int port = s.hasNonNull("port") ? s.path("port").asInt() : protocol == SyslogServer.Protocol.TLS ? 6514 : 514;
        return new SyslogServer(s.path("name").asText(), s.path("ip_address").asText(), port, protocol, text(s, "ca_certificate_pem"),
                modules);
    }

    static long syslogVersion(SyslogServer s) {
        return Entities.versionOf(s.name(), s.host(), s.port(), s.protocol(), s.caCertificatePem(), s.modules());
    }

    static ObjectNode syslogServer(SyslogServer s) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", s.name()).put("ip_address", s.host()).put("port", s.port())
                .put("network_protocol", s.protocol().name().toLowerCase(Locale.ROOT)).put("ca_certificate_pem", s.caCertificatePem());
        var modules = spec.putArray("modules");
        s.modules().forEach(m -> modules.addObject().put("name", m.name()).put("level", m.level()));
        return Entities.entity("syslog_server", s.name(), syslogVersion(s), spec, JsonNodeFactory.instance.objectNode());
    }

    private DirectoryConfig find(ApiRequest r) {
        String name = r.path("name");
        return accounts.directories(caller(r)).stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.notFound("no directory " + name + "; GET /api/v1/auth/directories lists them"));
    }

    private static io.cairn.security.auth.Caller caller(ApiRequest r) {
        return ((Authentication.ApiCaller) r.caller()).asAuthCaller();
    }

    /** The configuration a spec describes. */
    static DirectoryConfig config(JsonNode s) {
        DirectoryConfig.Type type = DirectoryConfig.Type.valueOf(s.path("type").asText());
        String password = s.path("service_account_password").asText("");
        if (password.isEmpty()) {
            // the store never hands the saved password back, so a replacement sends it again
            throw ApiException.badRequest("PASSWORD_REQUIRED", "send spec.service_account_password (the search account's) with every create "
                    + "and replace");
        }
        List<RoleMapping> mappings = new ArrayList<>();
        for (JsonNode m : s.path("role_mappings")) {
            mappings.add(new RoleMapping(RoleMapping.Kind.valueOf(m.path("kind").asText()), m.path("value").asText(), m.path("role").asText()));
        }
        String attribute = s.hasNonNull("user_attribute") ? s.path("user_attribute").asText()
                : type == DirectoryConfig.Type.ACTIVE_DIRECTORY ? "sAMAccountName" : "uid";
        return new DirectoryConfig(s.path("name").asText(), type, s.path("url").asText(), s.path("start_tls").asBoolean(false),
                text(s, "domain"), s.path("search_base").asText(), s.path("service_account_dn").asText(), password, attribute,
                text(s, "ca_certificate_pem"), mappings);
    }

    private static String text(JsonNode s, String field) {
        return s.hasNonNull(field) && !s.path(field).asText().isEmpty() ? s.path(field).asText() : null;
    }

    static long version(DirectoryConfig d) {
        DirectoryConfig r = d.redacted();
        return Entities.versionOf(r.name(), r.type(), r.url(), r.startTls(), r.domain(), r.searchBase(), r.serviceAccountDn(), r.userAttribute(),
                r.caCertificatePem(), r.roleMappings());
    }

    static ObjectNode directory(DirectoryConfig d) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", d.name()).put("type", d.type().name()).put("url", d.url())
                .put("start_tls", d.startTls()).put("domain", d.domain()).put("search_base", d.searchBase())
                .put("service_account_dn", d.serviceAccountDn()).put("user_attribute", d.userAttribute())
                .put("ca_certificate_pem", d.caCertificatePem());
        var mappings = spec.putArray("role_mappings");
        d.roleMappings().forEach(m -> mappings.addObject().put("kind", m.kind().name()).put("value", m.value()).put("role", m.role()));
        return Entities.entity("directory", d.name(), version(d), spec, JsonNodeFactory.instance.objectNode());
    }

}
