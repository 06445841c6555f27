package io.cairn.security.auth;

import java.util.Set;

/** The entity types permissions name (spec 10 §9). {@link #ANY} in a permission stands for every type. */
public final class EntityTypes {

    public static final String ANY = "*";

    public static final String VM = "vm";
    public static final String IMAGE = "image";
    public static final String NETWORK = "network";
    public static final String VOLUME_GROUP = "volume_group";
    public static final String CATEGORY = "category";
    public static final String PLAYBOOK = "playbook";
    public static final String PD_SNAPSHOT = "pd_snapshot";
    public static final String PROTECTION_DOMAIN = "protection_domain";
    public static final String ALERT = "alert";
    public static final String EVENT = "event";
    public static final String TASK = "task";
    public static final String CONTAINER = "container";
    public static final String STORAGE_POOL = "storage_pool";
    public static final String VDISK = "vdisk";
    public static final String HOST = "host";
    public static final String DISK = "disk";
    public static final String CLUSTER = "cluster";
    public static final String FILE_SERVER = "file_server";
    public static final String OBJECT_STORE = "object_store";
    public static final String REPORT = "report";
    /** Local users. */
    public static final String USER = "user";
    public static final String ROLE = "role";
    /** Directories, role mappings, SAML, lockout. */
    public static final String AUTH = "auth";
    public static final String UPGRADE = "upgrade";
    public static final String EXPANSION = "expansion";
    public static final String CLUSTER_SETTINGS = "cluster_settings";
    /** The audit log (spec 30 §10: Cluster Admin, User Admin). */
    public static final String AUDIT = "audit";

    /** Every type a custom role may name. */
    public static final Set<String> ALL = Set.of(VM, IMAGE, NETWORK, VOLUME_GROUP, CATEGORY, PLAYBOOK, PD_SNAPSHOT, PROTECTION_DOMAIN,
            ALERT, EVENT, TASK, CONTAINER, STORAGE_POOL, VDISK, HOST, DISK, CLUSTER, FILE_SERVER, OBJECT_STORE, REPORT, USER, ROLE, AUTH,
            UPGRADE, EXPANSION, CLUSTER_SETTINGS, AUDIT);

    private EntityTypes() {
    }
}
