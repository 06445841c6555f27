package io.cairn.prism.gateway.internal.rest;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.prism.api.Action;
import io.cairn.prism.api.ApiEndpoints;
import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiRequest;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;
import io.cairn.security.auth.AccountAdmin;
import io.cairn.security.auth.Permission;
import io.cairn.security.auth.Role;
import io.cairn.security.auth.UserInfo;

/**
 * Local users and roles over REST (spec 10 §9), served by the auth bundle's {@link AccountAdmin},
 * which checks the caller's rights again (no granting of rights one does not hold, the last Cluster
 * Admin stays) and audits each change. {@value #PASSWORD_PATH} is self-service: a user changes
 * their own password, even while the initial one must be changed and nothing else is allowed.
 */
@Component(service = ApiEndpoints.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class AccountEndpoints implements ApiEndpoints {

    static final String PASSWORD_PATH = "/users/{name}/password";
    static final Schema USER_SPEC = Schema.object("a local user").required("username", Schema.string("login name"))
            .property("password", Schema.string("only on create; never returned"))
            .property("roles", Schema.array("role names, e.g. viewer, operator, cluster-admin", Schema.string("role")));
    static final Schema USER = Entities.schema("user", USER_SPEC, Schema.object("lockout and password state").open());
    static final Schema PASSWORD = Schema.object("a password change").required("old_password", Schema.string("the current password"))
            .required("new_password", Schema.string("the new one, per the password policy"));
    static final Schema RESET = Schema.object("an administrator's password reset").required("new_password",
            Schema.string("per the password policy; the user must change it at the next login"));
    static final Schema ROLE_SPEC = Schema.object("a custom role").required("name", Schema.string("role name"))
            .property("description", Schema.string("what it is for"))
            .required("permissions", Schema.array("<entity type>:<action>, e.g. vm:operate", Schema.string("permission")));
    static final Schema ROLE = Entities.schema("role", ROLE_SPEC, Schema.object("built in or custom").open());

    private final AccountAdmin accounts;

    @Activate
    public AccountEndpoints(@Reference AccountAdmin accounts) {
        this.accounts = accounts;
    }

    @Override
    public String tag() {
        return "accounts";
    }

    @Override
    public List<ApiOperation> operations() {
        return List.of(
                ApiOperation.list("/users", "user", "Local users", USER, r -> ApiResponse.ok(Entities.list(accounts.users(caller(r)).stream()
                        .map(AccountEndpoints::user).toList()))),
                ApiOperation.get("/users/{name}", "user", "One local user", USER, r -> ApiResponse.ok(user(accounts.user(caller(r), r.path("name"))))),
                new ApiOperation("POST", "/users", "user", Action.CREATE, "Create a local user", USER, USER, 201, false, r -> {
                    JsonNode s = r.body().path("spec");
                    return ApiResponse.created(user(accounts.createUser(caller(r), s.path("username").asText(), s.path("password").asText(""),
                            strings(s.path("roles")))));
                }),
                new ApiOperation("PUT", "/users/{name}", "user", Action.UPDATE, "Set a user's roles (send metadata.version back)", USER, USER, 200,
                        false, r -> {
                            if (r.body().path("spec").has("password")) {
                                throw io.cairn.prism.api.ApiException.badRequest("PASSWORD_NOT_HERE", "PUT /users/{name} sets roles only; a user "
                                        + "changes a password with POST /api/v1/users/{name}/password");
                            }
                            UserInfo now = accounts.user(caller(r), r.path("name"));
                            Entities.checkVersion(r.body(), version(now), "user " + now.username());
                            return ApiResponse.ok(user(accounts.setRoles(caller(r), now.username(), strings(r.body().path("spec").path("roles")))));
                        }),
                new ApiOperation("DELETE", "/users/{name}", "user", Action.DELETE, "Delete a local user", null, null, 204, false, r -> {
                    accounts.deleteUser(caller(r), r.path("name"));
                    return ApiResponse.noContent();
                }),
                new ApiOperation("POST", PASSWORD_PATH, "user", Action.UPDATE, "Change a password (a user's own; needed after the initial one)",
                        PASSWORD, null, 204, false, r -> {
                            accounts.changePassword(r.path("name"), r.body().path("old_password").asText(), r.body().path("new_password").asText(),
                                    ((Authentication.ApiCaller) r.caller()).source());
                            return ApiResponse.noContent();
                        }),
                new ApiOperation("POST", "/users/{name}/unlock", "user", Action.UPDATE, "Lift a lockout and clear the failure count", null, USER,
                        200, false, r -> ApiResponse.ok(user(accounts.unlock(caller(r), r.path("name"))))),
                new ApiOperation("POST", "/users/{name}/reset_password", "user", Action.UPDATE, "Set a new password the user must change at "
                        + "the next login", RESET, null, 204, false, r -> {
                            accounts.resetPassword(caller(r), r.path("name"), r.body().path("new_password").asText());
                            return ApiResponse.noContent();
                        }),
                ApiOperation.list("/roles", "role", "Built-in and custom roles", ROLE, r -> ApiResponse.ok(Entities.list(accounts.roles(caller(r))
                        .stream().map(AccountEndpoints::role).toList()))),
                ApiOperation.get("/roles/{name}", "role", "One role", ROLE, r -> ApiResponse.ok(role(accounts.role(caller(r), r.path("name"))))),
                new ApiOperation("POST", "/roles", "role", Action.CREATE, "Create a custom role", ROLE, ROLE, 201, false, r -> {
                    JsonNode s = r.body().path("spec");
                    return ApiResponse.created(role(accounts.createRole(caller(r), s.path("name").asText(), s.path("description").asText(""),
                            permissions(s))));
                }),
                new ApiOperation("PUT", "/roles/{name}", "role", Action.UPDATE, "Replace a custom role's description and permissions (send "
                        + "metadata.version back)", ROLE, ROLE, 200, false, r -> {
                            io.cairn.security.auth.Role now = accounts.role(caller(r), r.path("name"));
                            Entities.checkVersion(r.body(), roleVersion(now), "role " + now.name());
                            JsonNode s = r.body().path("spec");
                            if (!s.path("name").asText().equals(now.name())) {
                                throw io.cairn.prism.api.ApiException.badRequest("RENAME_NOT_SUPPORTED", "spec.name must stay " + now.name()
                                        + "; create a role under the new name instead");
                            }
                            return ApiResponse.ok(role(accounts.updateRole(caller(r), now.name(), s.path("description").asText(""),
                                    permissions(s))));
                        }),
                new ApiOperation("DELETE", "/roles/{name}", "role", Action.DELETE, "Delete a custom role", null, null, 204, false, r -> {
                    accounts.deleteRole(caller(r), r.path("name"));
                    return ApiResponse.noContent();
                }));
    }

    private static io.cairn.security.auth.Caller caller(ApiRequest r) {
        return ((Authentication.ApiCaller) r.caller()).asAuthCaller();
    }

    private static Set<Permission> permissions(JsonNode spec) {
        Set<Permission> perms = new LinkedHashSet<>();
        strings(spec.path("permissions")).forEach(p -> perms.add(Permission.parse(p))); // INVALID_ARGUMENT (400) names a bad one
        return perms;
    }

    private static long roleVersion(Role r) {
        return Entities.versionOf(r.name(), r.description(), r.permissions().stream().map(Permission::toString).sorted().toList().toString());
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static long version(UserInfo u) {
        return Entities.versionOf(u.username(), new java.util.TreeSet<>(u.roles()));
    }

    static ObjectNode user(UserInfo u) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("username", u.username());
        u.roles().stream().sorted().forEach(spec.putArray("roles")::add);
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("password_change_required", u.passwordChangeRequired())
                .put("failures", u.failures()).put("locked_until", u.lockedUntil() == null ? null : u.lockedUntil().toString());
        return Entities.entity("user", u.username(), version(u), spec, status);
    }

    static ObjectNode role(Role r) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", r.name()).put("description", r.description());
        r.permissions().stream().map(Permission::toString).sorted().forEach(spec.putArray("permissions")::add);
        ObjectNode status = JsonNodeFactory.instance.objectNode().put("built_in", r.builtIn());
        return Entities.entity("role", r.name(), roleVersion(r), spec, status);
    }
}
