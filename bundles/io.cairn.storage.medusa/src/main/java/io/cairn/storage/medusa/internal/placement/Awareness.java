package io.cairn.storage.medusa.internal.placement;

/**
 * The fault-domain level at which the members of one metadata shard are kept apart: no two members
 * of a shard share a rack ({@link #RACK}), a block ({@link #BLOCK}), or merely a node ({@link #NODE},
 * which only asks for distinct nodes).
 */
public enum Awareness {
    /** Members sit in distinct racks. */
    RACK,
    /** Members sit in distinct blocks (a block is identified by rack + "/" + block). */
    BLOCK,
    /** Members are distinct nodes; the cluster cannot spread them over racks or blocks evenly. */
    NODE
}
