package io.cairn.storage.curator.internal.chronos;

/** What a Chronos task does; its label is the task record's {@code kind} and the start of its id. */
public enum TaskKind {
    /** {@code ExtentGroups.protect(vdisk, egroup)}: restore the extent group's replication factor at the vDisk's owner. */
    PROTECT("protect"),
    /** {@code ExtentGroups.deleteReplica(node, egroup)} of an orphaned replica, run on that node. */
    DELETE_REPLICA("delete_replica"),
    /** {@code ExtentGroups.reclaim(vdisk, egroups)}: free extent groups no vBlock maps any more, at the vDisk's owner. */
    RECLAIM("reclaim");

    private final String label;

    TaskKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static TaskKind of(String label) {
        for (TaskKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no Chronos task kind '" + label + "'");
    }
}
