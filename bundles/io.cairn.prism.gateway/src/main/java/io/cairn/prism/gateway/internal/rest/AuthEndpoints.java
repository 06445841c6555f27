package io.cairn.prism.gateway.internal.rest;

import java.util.ArrayList;
import java.util.List;

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
import io.cairn.security.auth.DirectoryConfig;
import io.cairn.security.auth.RoleMapping;

/**
 * Directories (LDAP/AD providers with their role mappings) and the audit log over REST (spec 30
 * §9): {@code /auth/directories} ({@code /audit/events}: {@link AuditEndpoints}). The auth bundle checks the caller's
 * rights again and audits each directory change; a directory is saved only after its service account
 * could bind.
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

    private final AccountAdmin accounts;

    @Activate
    public AuthEndpoints(@Reference AccountAdmin accounts) {
        this.accounts = accounts;
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
                        }));
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
