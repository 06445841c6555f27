package io.cairn.storage.stargate.internal.cache;

/**
 * Whose data a cached slice is: a vDisk the node owns, or an immutable object (snapshot or
 * clone parent) that every node may cache without coherency traffic (spec 20 §6).
 *
 * @param kind which id space {@code id} is in
 * @param id the vDisk id or the immutable object's id
 */
public record CacheOwner(Kind kind, long id) {

    /** Id spaces of cached data. */
    public enum Kind {
        VDISK,
        IMMUTABLE_OBJECT
    }

    public static CacheOwner vdisk(long vdiskId) {
        return new CacheOwner(Kind.VDISK, vdiskId);
    }

    public static CacheOwner immutableObject(long objectId) {
        return new CacheOwner(Kind.IMMUTABLE_OBJECT, objectId);
    }
}
