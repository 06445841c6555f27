package io.cairn.storage.stargate.internal.io;

/** Where a write goes (spec 20 §3), as the 2009 vdisk_stats "Write Destination" counts it. */
public enum WriteDestination {
    /** The OpLog: bursty and small writes, acknowledged once durable locally and on RF−1 peers. */
    OPLOG,
    /** Straight to the extent store: sequential writes, bypassing the OpLog. */
    EXTENT_STORE
}
