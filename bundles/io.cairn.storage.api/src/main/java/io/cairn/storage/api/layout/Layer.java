package io.cairn.storage.api.layout;

/** Layers of a disk, in on-disk order from offset 0 (spec 20 §2). */
public enum Layer {
    /** Controller OS and core: 60 GiB, mirrored on the first two system flash devices. */
    HOME,
    /** Global metadata store and AES local database: 15 GiB per device on up to four. */
    METADATA,
    /** OpLog reservation ceiling; the extent store uses whatever the OpLog leaves unused. */
    OPLOG,
    /** Curator's working space: {@code cairn.curator.reservation_gib} on one device per node. */
    CURATOR,
    /** Bulk data: everything the layers above leave. */
    EXTENT_STORE
}
