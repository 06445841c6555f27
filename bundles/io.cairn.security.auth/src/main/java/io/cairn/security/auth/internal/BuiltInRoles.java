package io.cairn.security.auth.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.security.auth.Action;
import io.cairn.security.auth.EntityTypes;
import io.cairn.security.auth.Permission;
import io.cairn.security.auth.Role;

/**
 * The immutable roles (spec 10 §9, spec 30 §9). "View all" covers every entity type except the audit
 * log, which spec 30 §10 gives to Cluster Admin and User Admin only.
 */
final class BuiltInRoles {

    /** What an Operator may create, update, delete and operate (spec 10 §9). */
    static final List<String> OPERATOR_TYPES = List.of(EntityTypes.VM, EntityTypes.IMAGE, EntityTypes.NETWORK, EntityTypes.VOLUME_GROUP,
            EntityTypes.CATEGORY, EntityTypes.PLAYBOOK, EntityTypes.PD_SNAPSHOT);

    static final Map<String, Role> ALL = Map.of(
            Role.CLUSTER_ADMIN, new Role(Role.CLUSTER_ADMIN, "Cluster Admin: all actions on all entity types", true, all(EntityTypes.ANY)),
            Role.USER_ADMIN, new Role(Role.USER_ADMIN, "User Admin: view all; manage users, roles, directories and role mappings; read the audit log",
                    true, userAdmin()),
            Role.OPERATOR, new Role(Role.OPERATOR, "Operator: view all; manage VMs, images, networks, volume groups, categories, playbooks, "
                    + "PD snapshots; acknowledge and resolve alerts", true, operator()),
            Role.VIEWER, new Role(Role.VIEWER, "Viewer: view all, change nothing", true, viewAll()));

    private BuiltInRoles() {
    }

    private static Set<Permission> all(String type) {
        Set<Permission> s = new HashSet<>();
        for (Action a : Action.values()) {
            s.add(new Permission(type, a));
        }
        return s;
    }

    static Set<Permission> viewAll() {
        Set<Permission> s = new HashSet<>();
        for (String t : EntityTypes.ALL) {
            if (!t.equals(EntityTypes.AUDIT)) {
                s.add(new Permission(t, Action.VIEW));
            }
        }
        return s;
    }

    private static Set<Permission> operator() {
        Set<Permission> s = viewAll();
        OPERATOR_TYPES.forEach(t -> s.addAll(all(t)));
        s.add(new Permission(EntityTypes.ALERT, Action.UPDATE));
        s.add(new Permission(EntityTypes.ALERT, Action.OPERATE));
        return s;
    }

    private static Set<Permission> userAdmin() {
        Set<Permission> s = viewAll();
        s.addAll(all(EntityTypes.USER));
        s.addAll(all(EntityTypes.ROLE));
        s.addAll(all(EntityTypes.AUTH));
        s.add(new Permission(EntityTypes.AUDIT, Action.VIEW));
        return s;
    }
}
