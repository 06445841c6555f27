package io.cairn.cluster.api;

/** A member's state as the cluster sees it. */
public enum NodeState {
    /** Imaged but not part of a cluster (factory state). */
    UNCONFIGURED,
    UP,
    DOWN,
    /** Leaving the cluster: data is being moved off it. */
    REMOVING
}
