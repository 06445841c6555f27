package io.cairn.storage.stargate.internal.cache;

/**
 * Key of one cached 4 KiB slice: the owner and the slice index {@code byteOffset / 4096} in the
 * owner's address space.
 */
public record SliceKey(CacheOwner owner, long sliceIndex) {

    public static SliceKey ofVDisk(long vdiskId, long sliceIndex) {
        return new SliceKey(CacheOwner.vdisk(vdiskId), sliceIndex);
    }
}
